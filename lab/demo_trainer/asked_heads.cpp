#include "lab/demo_trainer/asked_heads.h"

#include "lab/demo_trainer/samples.h"
#include "lab/demo_world/scene.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace ec::demo {

AskedHeads::AskedHeads(int64_t hiddenSize, uint64_t seed)
{
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed ^ 0x41534b4544484453ULL);
    // Class 0 of each head is "the question names none".
    const std::map<std::string, int64_t> classes{
        {"colour", static_cast<int64_t>(objectColours().size()) + 1},
        {"shape", static_cast<int64_t>(shapeNames().size()) + 1}};
    for (const auto &[head, n] : classes) {
        params_["asked." + head + ".weight"] =
            at::randn({n, hiddenSize}, gen, at::TensorOptions().dtype(at::kFloat))
                .mul_(0.02)
                .set_requires_grad(true);
        params_["asked." + head + ".bias"] = at::zeros({n}, at::kFloat).set_requires_grad(true);
    }
}

void AskedHeads::to(const at::Device &device)
{
    for (auto &[name, p] : params_)
        p = p.detach().to(device).set_requires_grad(true);
}

at::Tensor AskedHeads::logits(const at::Tensor &hidden, const std::string &head) const
{
    return at::linear(hidden.to(at::kFloat), params_.at("asked." + head + ".weight"),
                      params_.at("asked." + head + ".bias"));
}

at::Tensor AskedHeads::loss(const at::Tensor &hidden, const at::Tensor &colour,
                            const at::Tensor &shape) const
{
    at::Tensor total = at::zeros({}, hidden.options().dtype(at::kFloat));
    for (const auto &[head, labels] : {std::pair{"colour", colour}, std::pair{"shape", shape}}) {
        const at::Tensor y = labels.to(hidden.device());
        const at::Tensor rows = y.ne(kIgnoreLabel).nonzero().squeeze(1);
        if (rows.numel() > 0)
            total = total + at::cross_entropy_loss(logits(hidden.index_select(0, rows), head),
                                                   y.index_select(0, rows));
    }
    return total;
}

std::array<double, 2> AskedHeads::accuracy(const at::Tensor &hidden, const at::Tensor &colour,
                                           const at::Tensor &shape) const
{
    std::array<double, 2> right{};
    size_t i = 0;
    for (const auto &[head, labels] : {std::pair{"colour", colour}, std::pair{"shape", shape}}) {
        const at::Tensor y = labels.to(hidden.device());
        const at::Tensor rows = y.ne(kIgnoreLabel).nonzero().squeeze(1);
        if (rows.numel() > 0)
            right[i] = logits(hidden.index_select(0, rows), head)
                           .argmax(-1)
                           .eq(y.index_select(0, rows))
                           .to(at::kFloat)
                           .mean()
                           .item<double>();
        ++i;
    }
    return right;
}

} // namespace ec::demo
