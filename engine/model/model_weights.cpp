#include "engine/model/model_weights.h"

#include <ATen/ATen.h>
#include <stdexcept>

namespace ec::engine::model {

using checkpoint::TensorRole;
using kernels::WeightFormat;

WeightPlan WeightPlan::forPick(WeightFormat picked, at::ScalarType compute)
{
    WeightPlan p;
    p.compute = compute;
    p.linear = picked;
    const bool quantized = kernels::isQuantized(picked);
    p.vision = quantized ? WeightFormat::Q8 : picked;
    p.head = picked == WeightFormat::Q4 ? WeightFormat::Q8 : picked;
    // A float32 table costs twice the memory of a 16-bit one for no accuracy a 4- or 8-bit
    // model keeps; rows are converted to the compute dtype on lookup.
    p.tokenTable = !quantized ? kernels::denseType(picked)
                   : compute == at::kFloat ? at::kBFloat16
                                           : compute;
    return p;
}

ModelWeights ModelWeights::load(const checkpoint::CheckpointFiles &files,
                                const std::vector<checkpoint::ExpectedTensor> &expected,
                                const WeightPlan &plan, at::Device device)
{
    ModelWeights w;
    files.loadEach(expected, [&](const checkpoint::ExpectedTensor &e, const at::Tensor &view) {
        auto stored = [&](at::ScalarType dtype) {
            at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(dtype).device(device));
            return t.copy_(view);
        };
        auto packed = [&](WeightFormat format) {
            if (kernels::isQuantized(format)) // quantized from float32 on the CPU, then moved
                return kernels::PackedLinear::pack(view.to(at::kFloat).to(device), format);
            return kernels::PackedLinear::pack(stored(kernels::denseType(format)), format);
        };
        auto plain = [&](at::ScalarType dtype) {
            at::Tensor t = stored(dtype);
            w.loadedBytes_ += t.numel() * static_cast<int64_t>(t.element_size());
            w.tensors_.emplace(e.name, std::move(t));
        };
        auto linear = [&](WeightFormat format) {
            kernels::PackedLinear p = packed(format);
            w.loadedBytes_ += p.bytes();
            w.linears_.emplace(e.name, std::move(p));
        };
        switch (e.role) {
        case TensorRole::Plain: plain(plan.compute); break;
        case TensorRole::TokenTable: plain(plan.tokenTable); break;
        case TensorRole::Linear: linear(plan.linear); break;
        case TensorRole::VisionLinear: linear(plan.vision); break;
        case TensorRole::Head: linear(plan.head); break;
        }
    });
    return w;
}

at::Tensor ModelWeights::take(const std::string &name)
{
    auto it = tensors_.find(name);
    if (it == tensors_.end())
        throw std::logic_error("model weights: tensor '" + name + "' was not loaded");
    at::Tensor t = std::move(it->second);
    tensors_.erase(it);
    return t;
}

kernels::PackedLinear ModelWeights::takeLinear(const std::string &name)
{
    auto it = linears_.find(name);
    if (it == linears_.end())
        throw std::logic_error("model weights: linear weight '" + name + "' was not loaded");
    kernels::PackedLinear p = std::move(it->second);
    linears_.erase(it);
    return p;
}

} // namespace ec::engine::model
