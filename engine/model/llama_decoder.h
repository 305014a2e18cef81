// The LLaMA / Vicuna decoder of LLaVA-1.5: RMSNorm (float32), rotate_half RoPE, grouped-query
// attention over the KV cache store, SiLU-gated MLP, tied or untied head.
#pragma once

#include "engine/checkpoint/checkpoint_files.h"
#include "engine/checkpoint/llava_config.h"
#include "engine/model/layers.h"
#include "engine/model/model_weights.h"
#include "engine/model/vision_language_model.h"

#include <ATen/core/Tensor.h>
#include <string>
#include <vector>

namespace ec::engine::model {

class LlamaDecoder
{
public:
    // Canonical names under `prefix` ("lm.") and the head ("lm_head.weight" unless tied).
    static std::vector<checkpoint::ExpectedTensor>
    expectedTensors(const checkpoint::LlamaTextConfig &config, bool tiedHead);

    // A tied head is packed from the token table in `headFormat`.
    LlamaDecoder(const checkpoint::LlamaTextConfig &config, bool tiedHead, ModelWeights &weights,
                 kernels::WeightFormat headFormat);

    const checkpoint::LlamaTextConfig &config() const { return config_; }
    at::Tensor embed(const at::Tensor &ids) const; // [B, n] -> [B, n, C] in the compute dtype
    // Bytes of weights one decode step reads: every layer's linears, the head, one table row.
    int64_t bytesPerToken() const;
    // Logits (float32) of input embeddings [B, n, C], attending through `step`.
    at::Tensor forward(const at::Tensor &embeds, cache::ForwardStep &step, LogitsMode mode) const;

private:
    struct Layer
    {
        at::Tensor inputNorm, postNorm;
        kernels::PackedLinear qkv, o, gateUp, down; // q, k, v and gate, up stacked by rows
    };
    at::Tensor attention(const Layer &w, const at::Tensor &x, int layer, cache::ForwardStep &step,
                         const Rotary &rotary) const;

    checkpoint::LlamaTextConfig config_;
    at::Tensor embed_, norm_;
    kernels::PackedLinear head_;
    std::vector<Layer> layers_;
};

} // namespace ec::engine::model
