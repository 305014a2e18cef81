// Attention statistics the cache policies need, without materialising [B, H, T, T].
//
// Shapes: q [B, H, Tq, D]; k, v [B, Hkv, Tk, D] with H a multiple of Hkv (grouped-query attention).
// The Tq queries are the last Tq of the Tk key positions (a cache prefix of Tk - Tq entries), and
// attention is causal among them: query i sees keys [0, Tk - Tq + i].
#pragma once

#include <ATen/core/Tensor.h>

namespace ec::kernels {

struct AttentionWithStats
{
    at::Tensor output;     // [B, H, Tq, D], dtype of q
    at::Tensor columnSums; // [B, Tk] float32: (1/H) * sum over heads and queries of probabilities
};

// Scaled dot-product attention that also returns the head-averaged column sums of its
// probabilities. Works on query chunks of `chunkRows` so peak memory is B*H*chunkRows*Tk floats.
// A single query (a decode step) of f16/bf16 CUDA tensors runs torch's flash attention and the
// importance kernel instead, without converting K and V to fp32.
AttentionWithStats attentionWithColumnSums(const at::Tensor &q, const at::Tensor &k,
                                           const at::Tensor &v, double scale,
                                           int64_t chunkRows = 128);

// Column sums only, from the rows' log-sum-exp `lse` [B, H, Tq] (float32) of an attention that
// already ran (e.g. a fused kernel): P[m, n] = exp(q_m . k_n * scale - lse_m). CUDA tensors run
// the tiled kernel (kernels/cuda/importance.cu; chunkRows unused there), others chunked ATen.
at::Tensor attentionColumnSumsFromLse(const at::Tensor &q, const at::Tensor &k,
                                      const at::Tensor &lse, double scale, int64_t chunkRows = 128);

} // namespace ec::kernels
