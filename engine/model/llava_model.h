// LLaVA-1.5 (llava-hf LlavaForConditionalGeneration): CLIP tower -> GELU projector -> image
// features spliced into the image-token positions -> LLaMA decoder.
#pragma once

#include "engine/checkpoint/llava_config.h"
#include "engine/model/clip_vision.h"
#include "engine/model/llama_decoder.h"
#include "engine/model/vision_language_model.h"

#include <filesystem>
#include <memory>
#include <optional>

namespace ec::engine::model {

class LlavaModel : public VisionLanguageModel
{
public:
    static std::unique_ptr<LlavaModel> load(const std::filesystem::path &dir,
                                            const Placement &placement);
    // All canonical tensors of a checkpoint with this config (what a writer must produce).
    static std::vector<checkpoint::ExpectedTensor>
    expectedTensors(const checkpoint::LlavaConfig &config);

    const ModelInfo &info() const override { return info_; }
    const checkpoint::LlavaConfig &config() const { return config_; }
    at::Tensor logits(const ForwardInput &input, cache::ForwardStep &step,
                      LogitsMode mode) override;

    // Projected image features [N * tokensPerImage, C] in the model dtype.
    at::Tensor encodeImages(const at::Tensor &pixels) const;
    // Token embeddings of ids [B, n] with the image features written over the image-token
    // positions (row-major). Throws when the counts differ.
    at::Tensor embedWithImages(const at::Tensor &ids, const at::Tensor &pixels) const;

private:
    LlavaModel(const checkpoint::LlavaConfig &config, const Placement &placement,
               model::ModelWeights &weights);

    checkpoint::LlavaConfig config_;
    ModelInfo info_;
    ClipVisionTower vision_;
    LlamaDecoder decoder_;
    kernels::PackedLinear proj1W_, proj2W_;
    std::optional<at::Tensor> proj1B_, proj2B_;
};

} // namespace ec::engine::model
