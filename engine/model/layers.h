// Building blocks shared by the model families: norms, dense layers, rotary embeddings.
// (Attention is kernels::attention; over the KV cache it is cache::ForwardStep::attend.)
// Shapes: hidden [B, T, C]; per-head tensors [B, H, T, D].
#pragma once

#include "kernels/packed_linear.h"

#include <ATen/core/Tensor.h>
#include <optional>

namespace ec::engine::model {

// LLaMA RMSNorm: normalised in float32, cast back, then scaled by the weight (HF order).
at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps);
// x W^T + b in x's dtype, whatever format W is stored in (kernels::linear).
at::Tensor dense(const at::Tensor &x, const kernels::PackedLinear &weight,
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

} // namespace ec::engine::model
