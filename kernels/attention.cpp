#include "kernels/attention.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <limits>
#include <torch/version.h>

namespace ec::kernels {

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

at::Tensor attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v, bool causalTail)
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

} // namespace ec::kernels
