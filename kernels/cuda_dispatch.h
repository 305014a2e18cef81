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

void cudaMergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign,
                      int64_t outSlots);

// For every layer: dst[l][:, :, dstSlot] = src[l][:, :, srcSlot], K and V, one launch.
void cudaCopySlots(const std::vector<at::Tensor> &dstKeys, const std::vector<at::Tensor> &dstValues,
                   const std::vector<at::Tensor> &srcKeys, const std::vector<at::Tensor> &srcValues,
                   int64_t dstSlot, int64_t srcSlot);

} // namespace ec::kernels::detail
