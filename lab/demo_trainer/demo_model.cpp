#include "lab/demo_trainer/demo_model.h"

#include "engine/model/layers.h"
#include "engine/model/llava_model.h"
#include "lab/demo_trainer/packed_attention.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace ec::demo {

namespace {

namespace model = engine::model;

bool endsWith(const std::string &s, const std::string &tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Non-causal attention over [B, H, T, D] (the vision tower), softmax in float32 as HF's eager
// path does. Plain ops so that autograd covers it on every torch build.
at::Tensor attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v)
{
    at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).to(at::kFloat) /
                        std::sqrt(static_cast<double>(q.size(-1)));
    return at::matmul(at::softmax(scores, -1).to(v.scalar_type()), v);
}

} // namespace

DemoModel::DemoModel(const engine::checkpoint::LlavaConfig &config, uint64_t seed)
    : config_(config)
{
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    for (const auto &t : model::LlavaModel::expectedTensors(config)) {
        at::Tensor x;
        const bool norm = t.name.find("norm") != std::string::npos;
        if (norm && endsWith(t.name, ".weight"))
            x = at::ones(t.shape, at::kFloat);
        else if (endsWith(t.name, ".bias"))
            x = at::zeros(t.shape, at::kFloat);
        else
            x = at::randn(t.shape, gen, at::TensorOptions().dtype(at::kFloat)).mul_(0.02);
        params_[t.name] = x.set_requires_grad(true);
    }
}

void DemoModel::to(const at::Device &device)
{
    for (auto &[name, p] : params_)
        p = p.detach().to(device).set_requires_grad(true);
}

at::Tensor DemoModel::w(const std::string &name, at::ScalarType compute) const
{
    const auto it = params_.find(name);
    if (it == params_.end())
        throw std::logic_error("demo model: no tensor " + name);
    return it->second.scalar_type() == compute ? it->second : it->second.to(compute);
}

at::Tensor DemoModel::visionFeatures(const at::Tensor &pixels, at::ScalarType compute) const
{
    const auto &vc = config_.vision;
    const int64_t n = pixels.size(0), c = vc.hiddenSize, heads = vc.numHeads;
    at::Tensor x =
        at::conv2d(pixels.to(compute), w("vision.embeddings.patch_embedding.weight", compute), {},
                   vc.patchSize);
    x = x.flatten(2).transpose(1, 2);
    at::Tensor cls =
        w("vision.embeddings.class_embedding", compute).view({1, 1, c}).expand({n, 1, c});
    x = at::cat({cls, x}, 1) +
        w("vision.embeddings.position_embedding.weight", compute).unsqueeze(0);
    auto ln = [&](const at::Tensor &h, const std::string &p) {
        return at::layer_norm(h, {c}, w(p + ".weight", compute), w(p + ".bias", compute),
                              vc.layerNormEps);
    };
    auto lin = [&](const at::Tensor &h, const std::string &p) {
        return at::linear(h, w(p + ".weight", compute), w(p + ".bias", compute));
    };
    x = ln(x, "vision.pre_layrnorm");
    std::vector<at::Tensor> hidden{x}; // hidden[k] = input of layer k, as HF counts them
    int64_t needed = 0;
    const auto indices = config_.featureLayerIndices();
    for (int64_t i : indices)
        needed = std::max(needed, i);
    for (int64_t l = 0; l < needed; ++l) {
        const std::string p = "vision.encoder.layers." + std::to_string(l) + ".";
        at::Tensor h = ln(x, p + "layer_norm1");
        const int64_t t = h.size(1);
        auto split = [&](const at::Tensor &y) {
            return y.view({n, t, heads, c / heads}).transpose(1, 2);
        };
        at::Tensor a =
            attention(split(lin(h, p + "self_attn.q_proj")), split(lin(h, p + "self_attn.k_proj")),
                      split(lin(h, p + "self_attn.v_proj")));
        x = x + lin(a.transpose(1, 2).reshape({n, t, c}), p + "self_attn.out_proj");
        h = lin(ln(x, p + "layer_norm2"), p + "mlp.fc1");
        h = vc.hiddenAct == "quick_gelu" ? model::quickGelu(h) : at::gelu(h);
        x = x + lin(h, p + "mlp.fc2");
        hidden.push_back(x);
    }
    std::vector<at::Tensor> picked;
    for (int64_t i : indices) {
        at::Tensor f = hidden[static_cast<size_t>(i)];
        picked.push_back(config_.selectStrategy == "default" ? f.narrow(1, 1, f.size(1) - 1) : f);
    }
    at::Tensor feat = picked.size() == 1 ? picked[0] : at::cat(picked, -1);
    auto proj = [&](const at::Tensor &h, const std::string &p) {
        return at::linear(h, w(p + ".weight", compute),
                          config_.projectorBias ? w(p + ".bias", compute) : at::Tensor());
    };
    feat = proj(at::gelu(proj(feat, "projector.linear_1")), "projector.linear_2");
    return feat.reshape({-1, feat.size(-1)});
}

at::Tensor DemoModel::decoderLayer(const at::Tensor &x, const Packing &packing, int layer,
                                   at::ScalarType compute) const
{
    const auto &tc = config_.text;
    const std::string p = "lm.layers." + std::to_string(layer) + ".";
    const int64_t d = tc.headDim;
    at::Tensor n = model::rmsNorm(x, w(p + "input_layernorm.weight", compute), tc.rmsNormEps);
    auto heads = [&](const std::string &name, int64_t count) { // [N, count, D]
        return at::linear(n, w(p + "self_attn." + name + ".weight", compute)).view({-1, count, d});
    };
    at::Tensor q = model::applyRotary(heads("q_proj", tc.numHeads), packing.rotary);
    at::Tensor k = model::applyRotary(heads("k_proj", tc.numKvHeads), packing.rotary);
    at::Tensor v = heads("v_proj", tc.numKvHeads);
    const at::Tensor a = packedCausalAttention(q, k, v, packing.lengths);
    at::Tensor h = x + at::linear(a, w(p + "self_attn.o_proj.weight", compute));
    n = model::rmsNorm(h, w(p + "post_attention_layernorm.weight", compute), tc.rmsNormEps);
    at::Tensor m = at::silu(at::linear(n, w(p + "mlp.gate_proj.weight", compute))) *
                   at::linear(n, w(p + "mlp.up_proj.weight", compute));
    return h + at::linear(m, w(p + "mlp.down_proj.weight", compute));
}

at::Tensor DemoModel::forward(const at::Tensor &ids, const at::Tensor &pixels,
                              at::ScalarType compute, at::Tensor *imageFeatures) const
{
    const std::vector<int64_t> lengths(static_cast<size_t>(ids.size(0)), ids.size(1));
    return forwardPacked(ids.reshape({-1}), lengths, pixels, compute, imageFeatures)
        .view({ids.size(0), ids.size(1), -1});
}

at::Tensor DemoModel::forwardPacked(const at::Tensor &ids, const std::vector<int64_t> &lengths,
                                    const at::Tensor &pixels, at::ScalarType compute,
                                    at::Tensor *imageFeatures, int tapLayer,
                                    at::Tensor *layerInput) const
{
    if (layerInput && (tapLayer < 0 || tapLayer > config_.text.numLayers))
        throw std::invalid_argument("demo model: no decoder layer " + std::to_string(tapLayer) +
                                    " to read the input of");
    const auto device = params_.begin()->second.device();
    at::Tensor tokens = ids.to(device);
    Packing packing{lengths, {}};
    int64_t total = 0, longest = 0;
    std::vector<at::Tensor> positions;
    for (int64_t length : lengths) {
        if (length <= 0)
            throw std::invalid_argument("demo model: a packed sequence must have tokens");
        total += length;
        longest = std::max(longest, length);
        positions.push_back(at::arange(length, at::TensorOptions().dtype(at::kLong)));
    }
    if (total != tokens.size(0))
        throw std::invalid_argument("demo model: the sequence lengths do not add up to the ids");
    // Each sequence counts its positions from 0: rows of one table, picked per token, [N, 1, D]
    // so that they broadcast over the heads.
    const auto table = model::rotaryTables(0, longest, config_.text.headDim, config_.text.ropeTheta,
                                           compute, device);
    const at::Tensor index = at::cat(positions).to(device);
    packing.rotary = {table.cos.index_select(0, index).unsqueeze(1),
                      table.sin.index_select(0, index).unsqueeze(1)};

    at::Tensor x = at::embedding(w("lm.embed_tokens.weight", compute), tokens);
    const at::Tensor slots = tokens.eq(config_.imageTokenId);
    const int64_t slotCount = slots.sum().item<int64_t>();
    if (pixels.defined() && pixels.size(0) > 0) {
        at::Tensor feat = visionFeatures(pixels.to(device), compute);
        if (feat.size(0) != slotCount)
            throw std::invalid_argument("demo model: image features do not fill the image tokens");
        x = x.masked_scatter(slots.unsqueeze(-1), feat.to(x.scalar_type()));
        if (imageFeatures)
            *imageFeatures = feat;
    } else if (slotCount != 0) {
        throw std::invalid_argument("demo model: image tokens without images");
    }
    for (int l = 0; l < config_.text.numLayers; ++l) {
        if (layerInput && l == tapLayer)
            *layerInput = x;
        x = decoderLayer(x, packing, l, compute);
    }
    if (layerInput && tapLayer == config_.text.numLayers)
        *layerInput = x;
    x = model::rmsNorm(x, w("lm.norm.weight", compute), config_.text.rmsNormEps);
    const std::string head =
        config_.tieWordEmbeddings ? "lm.embed_tokens.weight" : "lm_head.weight";
    return at::linear(x, w(head, compute)).to(at::kFloat);
}

} // namespace ec::demo
