#include "engine/model/layers.h"

#include "kernels/layer_ops.h"

#include <ATen/ATen.h>
#include <cmath>
#include <vector>

namespace ec::engine::model {

at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    if (kernels::fusedLayerOpsApply(x, weight))
        return kernels::fusedRmsNorm(x, weight, eps);
    at::Tensor xf = x.to(at::kFloat);
    at::Tensor var = xf.pow(2).mean(-1, /*keepdim=*/true);
    xf = xf * at::rsqrt(var + eps);
    return weight * xf.to(x.scalar_type());
}

at::Tensor dense(const at::Tensor &x, const kernels::PackedLinear &weight,
                 const std::optional<at::Tensor> &bias)
{
    return kernels::linear(x, weight, bias);
}

at::Tensor quickGelu(const at::Tensor &x)
{
    return x * at::sigmoid(x * 1.702);
}

Rotary rotaryTables(int64_t first, int64_t count, int64_t headDim, double theta,
                    at::ScalarType dtype, const at::Device &device)
{
    auto f32 = at::TensorOptions().dtype(at::kFloat).device(device);
    // inv_freq = 1 / theta^(arange(0, D, 2) / D), as HF computes it (int64 arange, then float).
    at::Tensor exponents = at::arange(0, headDim, 2, f32.dtype(at::kLong)).to(at::kFloat) /
                           static_cast<double>(headDim);
    at::Tensor invFreq = 1.0 / at::pow(theta, exponents);
    at::Tensor pos = at::arange(first, first + count, f32.dtype(at::kLong)).to(at::kFloat);
    at::Tensor freqs = at::outer(pos, invFreq);
    at::Tensor emb = at::cat({freqs, freqs}, -1);
    return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor applyRotary(const at::Tensor &x, const Rotary &r)
{
    if (x.dim() == 4 && r.cos.dim() == 2 && r.cos.size(0) == x.size(2) &&
        kernels::fusedLayerOpsApply(x, r.cos))
        return kernels::fusedRotary(x, r.cos, r.sin);
    const int64_t half = x.size(-1) / 2;
    at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * r.cos + rotated * r.sin;
}

} // namespace ec::engine::model
