// config.json of a llava-hf LLaVA checkpoint, with the transformers class defaults filled in
// (LlavaConfig, CLIPVisionConfig, LlamaConfig) and everything this engine cannot run rejected.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ec::engine::checkpoint {

struct ClipVisionConfig
{
    int64_t hiddenSize = 768;
    int64_t intermediateSize = 3072;
    int64_t numLayers = 12;
    int64_t numHeads = 12;
    int64_t numChannels = 3;
    int64_t imageSize = 224;
    int64_t patchSize = 32;
    double layerNormEps = 1e-5;
    std::string hiddenAct = "quick_gelu"; // quick_gelu | gelu

    int64_t patchesPerSide() const { return imageSize / patchSize; }
    int64_t positions() const { return patchesPerSide() * patchesPerSide() + 1; } // + CLS
};

struct LlamaTextConfig
{
    int64_t hiddenSize = 4096;
    int64_t intermediateSize = 11008;
    int64_t numLayers = 32;
    int64_t numHeads = 32;
    int64_t numKvHeads = 32; // num_key_value_heads, null -> num_attention_heads
    int64_t headDim = 128;   // head_dim, null -> hidden_size / num_attention_heads
    int64_t vocabSize = 32000;
    int64_t maxPositions = 2048;
    double rmsNormEps = 1e-6;
    double ropeTheta = 10000.0;
    std::vector<int64_t> eosTokenIds{2};
    int64_t bosTokenId = 1;
};

struct LlavaConfig
{
    ClipVisionConfig vision;
    LlamaTextConfig text;
    int64_t imageTokenId = 32000;
    int64_t padTokenId = -1;
    std::vector<int64_t> visionFeatureLayers{-2}; // as written; negative = from the end
    std::string selectStrategy = "default";       // default (drop CLS) | full
    bool projectorBias = true;
    bool tieWordEmbeddings = false;
    std::string torchDtype; // as written (float16, bfloat16, float32) or empty

    // Indices into the vision hidden states (0 = after pre_layrnorm, L = last layer's output).
    std::vector<int64_t> featureLayerIndices() const;
    // Image-token positions one image fills in the prompt.
    int64_t tokensPerImage() const;
    // in_features of multi_modal_projector.linear_1.
    int64_t projectorInputSize() const;
};

// Parses config.json text; `file` names the file in error messages. Throws std::runtime_error
// naming the offending field and what to do about it.
LlavaConfig parseLlavaConfig(const std::string &text, const std::string &file = "config.json");
LlavaConfig readLlavaConfig(const std::filesystem::path &modelDir);

// The "model_type" of a checkpoint directory's config.json (for picking a model family).
std::string readModelType(const std::filesystem::path &modelDir);

} // namespace ec::engine::checkpoint
