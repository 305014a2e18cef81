// Building blocks shared by the model families: norms, rotary embeddings, attention.
// Shapes: hidden [B, T, C]; per-head tensors [B, H, T, D].
#pragma once

#include <ATen/core/Tensor.h>
#include <optional>

namespace ec::engine::model {

// LLaMA RMSNorm: normalised in float32, cast back, then scaled by the weight (HF order).
at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps);
at::Tensor dense(const at::Tensor &x, const at::Tensor &weight,
                 const std::optional<at::Tensor> &bias = std::nullopt);
at::Tensor quickGelu(const at::Tensor &x);

// cos and sin [T, D] for positions first..first+T-1 (HF LlamaRotaryEmbedding: float32 math,
// then cast to `dtype`).
struct Rotary
{
    at::Tensor cos, sin;
};
Rotary rotaryTables(int64_t first, int64_t count, int64_t headDim, double theta,
                    at::ScalarType dtype, const at::Device &device);
// x * cos + rotate_half(x) * sin, for x [B, H, T, D].
at::Tensor applyRotary(const at::Tensor &x, const Rotary &r);

// Attention of q [B, H, n, D] over k, v [B, Hkv, S, D] (GQA without copying K/V) where the n
// queries are the last n of the S slots and attend causally among themselves (`causalTail`),
// or see every slot (vision towers). Scale is D^-0.5. Uses torch's fused SDPA entry point;
// on CUDA, the first call turns off torch's cuDNN backend for the process (see layers.cpp).
at::Tensor fastAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                         bool causalTail);

} // namespace ec::engine::model
