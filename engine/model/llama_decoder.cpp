#include "engine/model/llama_decoder.h"

#include "engine/model/layers.h"
#include "cache/forward_step.h"

#include <ATen/ATen.h>

namespace ec::engine::model {

namespace {

std::string layerName(int64_t l, const char *rest)
{
    return "lm.layers." + std::to_string(l) + "." + rest;
}


} // namespace

std::vector<checkpoint::ExpectedTensor>
LlamaDecoder::expectedTensors(const checkpoint::LlamaTextConfig &c, bool tiedHead)
{
    const int64_t C = c.hiddenSize, qOut = c.numHeads * c.headDim, kvOut = c.numKvHeads * c.headDim;
    using checkpoint::TensorRole;
    std::vector<checkpoint::ExpectedTensor> out{
        {"lm.embed_tokens.weight", {c.vocabSize, C}, true, TensorRole::TokenTable},
        {"lm.norm.weight", {C}}};
    if (!tiedHead)
        out.push_back({"lm_head.weight", {c.vocabSize, C}, true, TensorRole::Head});
    auto linear = [&](int64_t l, const char *name, int64_t rows, int64_t cols) {
        out.push_back({layerName(l, name), {rows, cols}, true, TensorRole::Linear});
    };
    for (int64_t l = 0; l < c.numLayers; ++l) {
        out.push_back({layerName(l, "input_layernorm.weight"), {C}});
        out.push_back({layerName(l, "post_attention_layernorm.weight"), {C}});
        linear(l, "self_attn.q_proj.weight", qOut, C);
        linear(l, "self_attn.k_proj.weight", kvOut, C);
        linear(l, "self_attn.v_proj.weight", kvOut, C);
        linear(l, "self_attn.o_proj.weight", C, qOut);
        linear(l, "mlp.gate_proj.weight", c.intermediateSize, C);
        linear(l, "mlp.up_proj.weight", c.intermediateSize, C);
        linear(l, "mlp.down_proj.weight", C, c.intermediateSize);
    }
    return out;
}

LlamaDecoder::LlamaDecoder(const checkpoint::LlamaTextConfig &config, bool tiedHead,
                           ModelWeights &w, kernels::WeightFormat headFormat)
    : config_(config)
{
    embed_ = w.take("lm.embed_tokens.weight");
    norm_ = w.take("lm.norm.weight");
    head_ = tiedHead ? kernels::PackedLinear::pack(embed_, headFormat) : w.takeLinear("lm_head.weight");
    for (int64_t l = 0; l < config.numLayers; ++l) {
        auto lin = [&](const char *rest) { return w.takeLinear(layerName(l, rest)); };
        Layer layer;
        layer.inputNorm = w.take(layerName(l, "input_layernorm.weight"));
        layer.postNorm = w.take(layerName(l, "post_attention_layernorm.weight"));
        layer.qkv = kernels::PackedLinear::stack({lin("self_attn.q_proj.weight"),
                                                  lin("self_attn.k_proj.weight"),
                                                  lin("self_attn.v_proj.weight")});
        layer.o = lin("self_attn.o_proj.weight");
        layer.gateUp = kernels::PackedLinear::stack(
            {lin("mlp.gate_proj.weight"), lin("mlp.up_proj.weight")});
        layer.down = lin("mlp.down_proj.weight");
        layers_.push_back(std::move(layer));
    }
}

int64_t LlamaDecoder::bytesPerToken() const
{
    int64_t bytes = head_.bytes() + config_.hiddenSize * embed_.element_size();
    for (const Layer &l : layers_)
        for (const auto *p : {&l.qkv, &l.o, &l.gateUp, &l.down})
            bytes += p->bytes();
    return bytes;
}

at::Tensor LlamaDecoder::embed(const at::Tensor &ids) const
{
    if (ids.numel() > 0) {
        const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
        if (lo < 0 || hi >= config_.vocabSize)
            throw std::invalid_argument(
                "token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the vocabulary [0, " +
                std::to_string(config_.vocabSize) + "); the tokenizer does not match the model");
    }
    return at::embedding(embed_, ids.to(embed_.device())).to(norm_.scalar_type());
}

at::Tensor LlamaDecoder::attention(const Layer &w, const at::Tensor &x, int layer,
                                   cache::ForwardStep &step, const Rotary &rotary) const
{
    const int64_t B = x.size(0), n = x.size(1), D = config_.headDim;
    const int64_t H = config_.numHeads, Hkv = config_.numKvHeads;
    const at::Tensor qkv = dense(x, w.qkv);
    at::Tensor q = qkv.narrow(-1, 0, H * D).view({B, n, H, D}).transpose(1, 2);
    at::Tensor k = qkv.narrow(-1, H * D, Hkv * D).view({B, n, Hkv, D}).transpose(1, 2);
    at::Tensor v = qkv.narrow(-1, (H + Hkv) * D, Hkv * D).view({B, n, Hkv, D}).transpose(1, 2);
    at::Tensor out = step.attend(layer, applyRotary(q, rotary), applyRotary(k, rotary), v);
    return dense(out.transpose(1, 2).reshape({B, n, H * D}), w.o);
}

at::Tensor LlamaDecoder::forward(const at::Tensor &embeds, cache::ForwardStep &step,
                                 LogitsMode mode) const
{
    const int64_t n = embeds.size(1);
    const Rotary rotary = rotaryTables(step.firstPosition(), n, config_.headDim,
                                       config_.ropeTheta, embeds.scalar_type(), embeds.device());
    at::Tensor x = embeds;
    for (size_t l = 0; l < layers_.size(); ++l) {
        const Layer &w = layers_[l];
        x = x + attention(w, rmsNorm(x, w.inputNorm, config_.rmsNormEps), static_cast<int>(l),
                          step, rotary);
        at::Tensor h = rmsNorm(x, w.postNorm, config_.rmsNormEps);
        const at::Tensor gateUp = dense(h, w.gateUp);
        const int64_t I = config_.intermediateSize;
        x = x + dense(at::silu(gateUp.narrow(-1, 0, I)) * gateUp.narrow(-1, I, I), w.down);
    }
    if (mode == LogitsMode::Last)
        x = x.narrow(1, n - 1, 1);
    return dense(rmsNorm(x, norm_, config_.rmsNormEps), head_).to(at::kFloat);
}

} // namespace ec::engine::model
