#include "engine/model/clip_vision.h"

#include "engine/model/layers.h"
#include "kernels/attention.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <stdexcept>

namespace ec::engine::model {

namespace {

std::string layerName(int64_t l, const std::string &rest)
{
    return "vision.encoder.layers." + std::to_string(l) + "." + rest;
}

} // namespace

std::vector<checkpoint::ExpectedTensor>
ClipVisionTower::expectedTensors(const checkpoint::ClipVisionConfig &c, int64_t layersToRun)
{
    const int64_t C = c.hiddenSize, I = c.intermediateSize;
    std::vector<checkpoint::ExpectedTensor> out{
        {"vision.embeddings.class_embedding", {C}},
        {"vision.embeddings.patch_embedding.weight", {C, c.numChannels, c.patchSize, c.patchSize}},
        {"vision.embeddings.position_embedding.weight", {c.positions(), C}},
        {"vision.pre_layrnorm.weight", {C}},
        {"vision.pre_layrnorm.bias", {C}},
        // Only applied to the pooled CLS, which LLaVA never uses.
        {"vision.post_layernorm.weight", {C}, false},
        {"vision.post_layernorm.bias", {C}, false},
    };
    for (int64_t l = 0; l < c.numLayers; ++l) {
        const bool load = l < layersToRun;
        for (const char *ln : {"layer_norm1", "layer_norm2"}) {
            out.push_back({layerName(l, std::string(ln) + ".weight"), {C}, load});
            out.push_back({layerName(l, std::string(ln) + ".bias"), {C}, load});
        }
        using checkpoint::TensorRole;
        for (const char *p : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            out.push_back({layerName(l, std::string("self_attn.") + p + ".weight"), {C, C}, load,
                           TensorRole::VisionLinear});
            out.push_back({layerName(l, std::string("self_attn.") + p + ".bias"), {C}, load});
        }
        out.push_back({layerName(l, "mlp.fc1.weight"), {I, C}, load, TensorRole::VisionLinear});
        out.push_back({layerName(l, "mlp.fc1.bias"), {I}, load});
        out.push_back({layerName(l, "mlp.fc2.weight"), {C, I}, load, TensorRole::VisionLinear});
        out.push_back({layerName(l, "mlp.fc2.bias"), {C}, load});
    }
    return out;
}

ClipVisionTower::ClipVisionTower(const checkpoint::ClipVisionConfig &config, int64_t layersToRun,
                                 ModelWeights &w)
    : config_(config)
{
    classEmbedding_ = w.take("vision.embeddings.class_embedding");
    patchWeight_ = w.take("vision.embeddings.patch_embedding.weight");
    positionEmbedding_ = w.take("vision.embeddings.position_embedding.weight");
    preNormW_ = w.take("vision.pre_layrnorm.weight");
    preNormB_ = w.take("vision.pre_layrnorm.bias");
    for (int64_t l = 0; l < layersToRun; ++l) {
        auto t = [&](const char *rest) { return w.take(layerName(l, rest)); };
        auto lin = [&](const char *rest) { return w.takeLinear(layerName(l, rest)); };
        Layer layer;
        layer.ln1w = t("layer_norm1.weight");
        layer.ln1b = t("layer_norm1.bias");
        layer.qw = lin("self_attn.q_proj.weight");
        layer.qb = t("self_attn.q_proj.bias");
        layer.kw = lin("self_attn.k_proj.weight");
        layer.kb = t("self_attn.k_proj.bias");
        layer.vw = lin("self_attn.v_proj.weight");
        layer.vb = t("self_attn.v_proj.bias");
        layer.ow = lin("self_attn.out_proj.weight");
        layer.ob = t("self_attn.out_proj.bias");
        layer.ln2w = t("layer_norm2.weight");
        layer.ln2b = t("layer_norm2.bias");
        layer.fc1w = lin("mlp.fc1.weight");
        layer.fc1b = t("mlp.fc1.bias");
        layer.fc2w = lin("mlp.fc2.weight");
        layer.fc2b = t("mlp.fc2.bias");
        layers_.push_back(std::move(layer));
    }
}

at::Tensor ClipVisionTower::block(const Layer &w, const at::Tensor &x) const
{
    const int64_t N = x.size(0), T = x.size(1), C = config_.hiddenSize;
    const int64_t H = config_.numHeads, D = C / H;
    const double eps = config_.layerNormEps;
    at::Tensor h = at::layer_norm(x, {C}, w.ln1w, w.ln1b, eps);
    auto heads = [&](const at::Tensor &t) { return t.view({N, T, H, D}).transpose(1, 2); };
    at::Tensor a = kernels::attention(heads(dense(h, w.qw, w.qb)), heads(dense(h, w.kw, w.kb)),
                                     heads(dense(h, w.vw, w.vb)), /*causalTail=*/false);
    at::Tensor r = x + dense(a.transpose(1, 2).reshape({N, T, C}), w.ow, w.ob);
    h = at::layer_norm(r, {C}, w.ln2w, w.ln2b, eps);
    h = dense(h, w.fc1w, w.fc1b);
    h = config_.hiddenAct == "gelu" ? at::gelu(h) : quickGelu(h);
    return r + dense(h, w.fc2w, w.fc2b);
}

std::vector<at::Tensor> ClipVisionTower::hiddenStates(const at::Tensor &pixels,
                                                      const std::vector<int64_t> &indices) const
{
    const auto &c = config_;
    if (pixels.dim() != 4 || pixels.size(1) != c.numChannels || pixels.size(2) != c.imageSize ||
        pixels.size(3) != c.imageSize)
        throw std::invalid_argument(
            "image pixels have shape " + std::string(c10::str(pixels.sizes())) +
            "; this model needs [N, " + std::to_string(c.numChannels) + ", " +
            std::to_string(c.imageSize) + ", " + std::to_string(c.imageSize) +
            "] (preprocess with the checkpoint's image processor)");
    const int64_t deepest = *std::max_element(indices.begin(), indices.end());
    if (deepest > static_cast<int64_t>(layers_.size()))
        throw std::logic_error("ClipVisionTower: hidden state beyond the loaded layers");
    const int64_t N = pixels.size(0), C = c.hiddenSize;
    at::Tensor x = pixels.to(patchWeight_.device(), patchWeight_.scalar_type());
    at::Tensor p = at::conv2d(x, patchWeight_, {}, c.patchSize); // [N, C, g, g]
    p = p.flatten(2).transpose(1, 2);                            // [N, g*g, C]
    at::Tensor cls = classEmbedding_.view({1, 1, C}).expand({N, 1, C});
    at::Tensor h = at::cat({cls, p}, 1) + positionEmbedding_;
    h = at::layer_norm(h, {C}, preNormW_, preNormB_, c.layerNormEps);
    std::vector<at::Tensor> states{h};
    for (int64_t l = 0; l < deepest; ++l)
        states.push_back(block(layers_[l], states.back()));
    std::vector<at::Tensor> out;
    for (int64_t i : indices)
        out.push_back(states[i]);
    return out;
}

} // namespace ec::engine::model
