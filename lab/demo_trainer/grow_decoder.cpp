#include "lab/demo_trainer/grow_decoder.h"

#include <ATen/ATen.h>
#include <set>
#include <stdexcept>

namespace ec::demo {

namespace {

const std::string kLayerPrefix = "lm.layers.";

// "lm.layers.12.mlp.up_proj.weight" -> {12, "mlp.up_proj.weight"}; {-1, ""} for other names.
std::pair<int64_t, std::string> splitLayerName(const std::string &name)
{
    if (name.compare(0, kLayerPrefix.size(), kLayerPrefix) != 0)
        return {-1, ""};
    const size_t dot = name.find('.', kLayerPrefix.size());
    if (dot == std::string::npos)
        return {-1, ""};
    return {std::stoll(name.substr(kLayerPrefix.size(), dot - kLayerPrefix.size())),
            name.substr(dot + 1)};
}

} // namespace

std::vector<GrownLayer> growthPlan(int64_t sourceLayers, int64_t targetLayers)
{
    if (sourceLayers <= 0 || targetLayers < sourceLayers)
        throw std::invalid_argument("cannot grow a decoder of " + std::to_string(sourceLayers) +
                                    " blocks to " + std::to_string(targetLayers));
    const int64_t extra = targetLayers - sourceLayers;
    std::vector<GrownLayer> plan;
    for (int64_t j = 0; j < sourceLayers; ++j) {
        plan.push_back({j, false});
        // Block j closes a group of sourceLayers / extra blocks: add that group's new blocks.
        const int64_t added = (j + 1) * extra / sourceLayers - j * extra / sourceLayers;
        for (int64_t k = 0; k < added; ++k)
            plan.push_back({j, true});
    }
    return plan;
}

int64_t decoderLayersIn(const engine::checkpoint::SafetensorsFile &source)
{
    std::set<int64_t> layers;
    for (const auto &t : source.tensors())
        if (const auto [layer, rest] = splitLayerName(t.name); layer >= 0)
            layers.insert(layer);
    return static_cast<int64_t>(layers.size());
}

void loadGrown(const std::vector<std::pair<std::string, at::Tensor>> &params,
               const engine::checkpoint::SafetensorsFile &source)
{
    int64_t targetLayers = 0;
    for (const auto &[name, p] : params)
        targetLayers = std::max(targetLayers, splitLayerName(name).first + 1);
    const auto plan = growthPlan(decoderLayersIn(source), targetLayers);
    at::NoGradGuard noGrad;
    for (const auto &[name, p] : params) {
        std::string from = name;
        bool zero = false;
        if (const auto [layer, rest] = splitLayerName(name); layer >= 0) {
            const GrownLayer &g = plan.at(static_cast<size_t>(layer));
            from = kLayerPrefix + std::to_string(g.source) + "." + rest;
            zero = g.added && (rest == "self_attn.o_proj.weight" || rest == "mlp.down_proj.weight");
        }
        if (!source.find(from))
            throw std::runtime_error(source.path().string() + " has no " + from + " (for " + name +
                                     "): grow from a state of the same sizes but fewer decoder "
                                     "blocks");
        const at::Tensor value = source.view(from);
        if (value.sizes() != p.sizes())
            throw std::runtime_error(source.path().string() + ": " + from + " has another shape "
                                     "than " + name + ": only the number of decoder blocks may "
                                     "differ when growing");
        if (zero)
            p.zero_();
        else
            p.copy_(value);
    }
}

} // namespace ec::demo
