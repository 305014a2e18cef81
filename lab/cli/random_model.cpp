#include "lab/cli/random_model.h"

#include "app/paths.h"
#include "engine/checkpoint/llava_config.h"
#include "lab/tiny_model/tiny_model.h"

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace ec::cli {

std::filesystem::path writeRandomWeights(const std::filesystem::path &config,
                                         const std::string &dtype, uint64_t seed)
{
    std::ifstream in(config);
    if (!in)
        throw std::runtime_error(config.string() + ": cannot open the config");
    std::ostringstream text;
    text << in.rdbuf();
    const auto c = engine::checkpoint::parseLlavaConfig(text.str(), config.string());

    tools::TinyModelSpec spec;
    spec.visionLayers = c.vision.numLayers;
    spec.visionHidden = c.vision.hiddenSize;
    spec.visionHeads = c.vision.numHeads;
    spec.visionIntermediate = c.vision.intermediateSize;
    spec.imageSize = c.vision.imageSize;
    spec.patchSize = c.vision.patchSize;
    spec.textLayers = c.text.numLayers;
    spec.textHidden = c.text.hiddenSize;
    spec.textHeads = c.text.numHeads;
    spec.textKvHeads = c.text.numKvHeads;
    spec.textIntermediate = c.text.intermediateSize;
    spec.vocabSize = c.text.vocabSize;
    spec.imageTokenId = c.imageTokenId;
    spec.maxPositions = c.text.maxPositions;
    spec.ropeTheta = c.text.ropeTheta;
    spec.featureLayers = c.visionFeatureLayers;
    spec.selectStrategy = c.selectStrategy;
    spec.projectorBias = c.projectorBias;
    spec.tieWordEmbeddings = c.tieWordEmbeddings;
    spec.dtype = dtype;
    spec.initStd = 0.02; // HF's init: keeps activations finite through 32+ layers
    spec.seed = seed;

    auto dir = std::filesystem::temp_directory_path() /
               ("ec-random-weights-" + std::to_string(::getpid()));
    app::removeTree(dir);
    tools::writeTinyModel(dir, spec);
    return dir;
}

} // namespace ec::cli
