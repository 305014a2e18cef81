#include "kernels/layer_ops.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <stdexcept>

namespace ec::kernels {

bool fusedLayerOpsApply(const at::Tensor &x, const at::Tensor &other)
{
    return x.device().is_cpu() && other.device().is_cpu() && x.scalar_type() == at::kFloat &&
           other.scalar_type() == at::kFloat && !x.requires_grad() && !other.requires_grad();
}

at::Tensor fusedRmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps)
{
    const int64_t C = x.size(-1);
    if (weight.numel() != C)
        throw std::invalid_argument("fusedRmsNorm: weight must have the last dimension's size");
    const at::Tensor in = x.contiguous(), w = weight.contiguous();
    at::Tensor out = at::empty_like(in);
    const float *xp = in.data_ptr<float>(), *wp = w.data_ptr<float>();
    float *op = out.data_ptr<float>();
    at::parallel_for(0, in.numel() / C, 16, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            const float *row = xp + r * C;
            double squares = 0;
            for (int64_t c = 0; c < C; ++c)
                squares += double(row[c]) * row[c];
            const float inv = 1.0f / std::sqrt(float(squares / C) + float(eps));
            for (int64_t c = 0; c < C; ++c)
                op[r * C + c] = wp[c] * (row[c] * inv);
        }
    });
    return out;
}

at::Tensor fusedRotary(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin)
{
    const int64_t B = x.size(0), H = x.size(1), T = x.size(2), D = x.size(3), half = D / 2;
    if (cos.sizes() != at::IntArrayRef{T, D} || sin.sizes() != at::IntArrayRef{T, D})
        throw std::invalid_argument("fusedRotary: cos and sin must be [T, D] for x [B, H, T, D]");
    const at::Tensor c = cos.contiguous(), s = sin.contiguous();
    at::Tensor out = at::empty({B, H, T, D}, x.options());
    const float *xp = x.data_ptr<float>(), *cp = c.data_ptr<float>(), *sp = s.data_ptr<float>();
    float *op = out.data_ptr<float>();
    const int64_t sb = x.stride(0), sh = x.stride(1), st = x.stride(2), sd = x.stride(3);
    at::parallel_for(0, B * H, 16, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
            for (int64_t t = 0; t < T; ++t) {
                const float *row = xp + (i / H) * sb + (i % H) * sh + t * st;
                const float *ct = cp + t * D, *stab = sp + t * D;
                float *o = op + (i * T + t) * D;
                // rotate_half(x) = [-x2, x1] for x = [x1, x2].
                for (int64_t d = 0; d < half; ++d)
                    o[d] = row[d * sd] * ct[d] - row[(d + half) * sd] * stab[d];
                for (int64_t d = half; d < D; ++d)
                    o[d] = row[d * sd] * ct[d] + row[(d - half) * sd] * stab[d];
            }
    });
    return out;
}

} // namespace ec::kernels
