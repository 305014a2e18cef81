// The CUDA branches of the kernels' public functions (internal). They throw std::runtime_error
// when this build cannot run CUDA tensors: no nvcc, or a torch without CUDA (Debian's).
#pragma once

#include <ATen/core/Tensor.h>
#include <vector>

namespace ec::kernels::detail {

// True when CUDA tensors reach the .cu kernels (nvcc build and torch with CUDA).
bool cudaDispatchCompiled();

// Inputs already validated by the caller (shapes as in attention_stats.h).
at::Tensor cudaColumnSumsFromLse(const at::Tensor &q, const at::Tensor &k, const at::Tensor &lse,
                                 double scale);

// One decode step of attentionWithColumnSums (a single query per sequence) through torch's flash
// attention, which returns the output [B, H, 1, D] and the rows' log-sum-exp [B, H, 1] for
// cudaColumnSumsFromLse. False, with `out` and `lse` untouched, when flash cannot take the inputs
// (not f16/bf16, head dim not a multiple of 8 up to 256, a GPU before sm80, torch before 2.1) or
// this build has no CUDA dispatch.
bool cudaFlashDecode(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, double scale,
                     at::Tensor &out, at::Tensor &lse);

void cudaMergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign,
                      int64_t outSlots);

// For every layer: dst[l][:, :, dstSlot] = src[l][:, :, srcSlot], K and V, one launch.
void cudaCopySlots(const std::vector<at::Tensor> &dstKeys, const std::vector<at::Tensor> &dstValues,
                   const std::vector<at::Tensor> &srcKeys, const std::vector<at::Tensor> &srcValues,
                   int64_t dstSlot, int64_t srcSlot);

} // namespace ec::kernels::detail
