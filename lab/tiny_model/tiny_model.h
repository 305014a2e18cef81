// Writes random-weight checkpoint folders in the llava-hf format (config.json, safetensors,
// preprocessor_config.json), with the sizes, dtype, sharding and tensor-name scheme chosen.
// Tests build their fixtures with it; ec-make-tiny-model is its command line.
#pragma once

#include "engine/checkpoint/tensor_names.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ec::tools {

struct TinyModelSpec
{
    int64_t visionLayers = 3;
    int64_t visionHidden = 32;
    int64_t visionHeads = 4;
    int64_t visionIntermediate = 37;
    int64_t imageSize = 30;
    int64_t patchSize = 2;
    int64_t textLayers = 2;
    int64_t textHidden = 32;
    int64_t textHeads = 4;
    int64_t textKvHeads = 2;
    int64_t textIntermediate = 64;
    int64_t vocabSize = 32064;
    int64_t imageTokenId = 32000;
    int64_t maxPositions = 4096;
    double ropeTheta = 10000.0;
    std::vector<int64_t> featureLayers{-2};
    std::string selectStrategy = "default";
    bool projectorBias = true;
    bool tieWordEmbeddings = false;
    std::string dtype = "F32"; // F32 | F16 | BF16
    int shards = 1;            // > 1: model-0000K-of-0000N.safetensors + index
    engine::checkpoint::NameScheme names = engine::checkpoint::NameScheme::Legacy;
    bool legacyBuffers = false; // also write position_ids / rotary inv_freq, as old files do
    double initStd = 0.2;       // larger than HF's 0.02 so logits differ visibly
    uint64_t seed = 0;
};

std::string tinyConfigJson(const TinyModelSpec &spec);
// Creates `dir` if needed and writes the checkpoint into it.
void writeTinyModel(const std::filesystem::path &dir, const TinyModelSpec &spec);

} // namespace ec::tools
