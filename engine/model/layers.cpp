#include "engine/model/layers.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <cmath>
#include <limits>
#include <torch/version.h>
#include <vector>

namespace ec::engine::model {

at::Tensor rmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    at::Tensor xf = x.to(at::kFloat);
    at::Tensor var = xf.pow(2).mean(-1, /*keepdim=*/true);
    xf = xf * at::rsqrt(var + eps);
    return weight * xf.to(x.scalar_type());
}

at::Tensor dense(const at::Tensor &x, const at::Tensor &weight,
                 const std::optional<at::Tensor> &bias)
{
    if (x.numel() == x.size(-1) && x.device().is_cpu() && x.scalar_type() == at::kFloat) {
        // One row (a decode step): BLAS gemv is several times faster than gemm with m = 1.
        std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
        shape.back() = weight.size(0);
        at::Tensor y = at::mv(weight, x.reshape({-1}));
        if (bias)
            y.add_(*bias);
        return y.view(shape);
    }
    return at::linear(x, weight, bias ? c10::optional<at::Tensor>(*bias) : c10::nullopt);
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
    const int64_t half = x.size(-1) / 2;
    at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * r.cos + rotated * r.sin;
}

namespace {

// torch 2.9+ puts cuDNN first among SDPA backends on sm90/sm100 (H100, H200, B200) once its
// bundled cuDNN is new enough. cuDNN builds an execution plan for every new key length, and a
// decode step has a new one every token: on an H200 with torch 2.11 the full cache paid ~50 ms
// a step at any depth (docs/results.md). Flash and memory-efficient attention need no plan.
void avoidPerShapeAttentionPlans()
{
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
    static const bool once = [] {
        at::globalContext().setSDPUseCuDNN(false);
        return true;
    }();
    (void)once;
#endif
}

} // namespace

at::Tensor fastAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                         bool causalTail)
{
    if (q.is_cuda())
        avoidPerShapeAttentionPlans();
    const int64_t B = q.size(0), H = q.size(1), n = q.size(2), D = q.size(3);
    const int64_t Hkv = k.size(1), S = k.size(2), rep = H / Hkv;
    // Grouped queries become extra rows of their key head, so K/V are never repeated.
    at::Tensor qg = q.reshape({B, Hkv, rep * n, D});
    c10::optional<at::Tensor> mask;
    if (causalTail && n > 1) {
        auto longOpts = at::TensorOptions().dtype(at::kLong).device(q.device());
        at::Tensor row = at::arange(n, longOpts).repeat({rep}); // query index of each row
        at::Tensor slot = at::arange(S, longOpts);
        at::Tensor hidden = slot.unsqueeze(0) > (row.unsqueeze(1) + (S - n));
        mask = at::zeros({rep * n, S}, q.options())
                   .masked_fill_(hidden, -std::numeric_limits<double>::infinity());
    }
#if TORCH_VERSION_MAJOR >= 2
    at::Tensor out = at::scaled_dot_product_attention(qg, k, v, mask, 0.0, false);
#else
    at::Tensor out =
        std::get<0>(at::_scaled_dot_product_attention(qg, k, v, mask, 0.0, false, false));
#endif
    return out.reshape({B, H, n, D});
}

} // namespace ec::engine::model
