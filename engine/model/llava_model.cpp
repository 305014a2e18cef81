#include "engine/model/llava_model.h"

#include "engine/checkpoint/checkpoint_files.h"
#include "engine/model/layers.h"

#include <ATen/ATen.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ec::engine::model {

namespace {

int64_t layersToRun(const checkpoint::LlavaConfig &c)
{
    auto idx = c.featureLayerIndices();
    return *std::max_element(idx.begin(), idx.end());
}

std::vector<checkpoint::ExpectedTensor> projectorTensors(const checkpoint::LlavaConfig &c)
{
    const int64_t in = c.projectorInputSize(), C = c.text.hiddenSize;
    using checkpoint::TensorRole;
    std::vector<checkpoint::ExpectedTensor> out{
        {"projector.linear_1.weight", {C, in}, true, TensorRole::Linear},
        {"projector.linear_2.weight", {C, C}, true, TensorRole::Linear}};
    if (c.projectorBias) {
        out.push_back({"projector.linear_1.bias", {C}});
        out.push_back({"projector.linear_2.bias", {C}});
    }
    return out;
}

// Refuses a layer count the files cannot hold before the tensor list is built: a config.json
// claiming 10^9 layers over a three-layer checkpoint allocated for minutes without a word.
void checkLayerCount(const checkpoint::CheckpointFiles &files, const std::string &prefix,
                     int64_t configured, const char *key, const std::filesystem::path &dir)
{
    int64_t present = 0;
    for (auto it = files.tensors().lower_bound(prefix);
         it != files.tensors().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        const char *digits = it->first.c_str() + prefix.size();
        char *end = nullptr;
        const long long l = std::strtoll(digits, &end, 10);
        if (end != digits && *end == '.' && l >= 0)
            present = std::max<int64_t>(present, l + 1);
    }
    if (configured > present)
        throw std::runtime_error(
            (dir / "config.json").string() + ": " + key + " is " + std::to_string(configured) +
            " but the weights hold " + std::to_string(present) +
            " layers; the config does not belong to these weights (use the config.json that "
            "came with them)");
}

} // namespace

std::vector<checkpoint::ExpectedTensor>
LlavaModel::expectedTensors(const checkpoint::LlavaConfig &c)
{
    auto out = ClipVisionTower::expectedTensors(c.vision, layersToRun(c));
    for (auto &t : projectorTensors(c))
        out.push_back(std::move(t));
    for (auto &t : LlamaDecoder::expectedTensors(c.text, c.tieWordEmbeddings))
        out.push_back(std::move(t));
    return out;
}

std::unique_ptr<LlavaModel> LlavaModel::load(const std::filesystem::path &dir,
                                             const Placement &placement)
{
    const auto config = checkpoint::readLlavaConfig(dir);
    checkpoint::CheckpointFiles files(dir);
    checkLayerCount(files, "lm.layers.", config.text.numLayers, "text_config.num_hidden_layers",
                    dir);
    checkLayerCount(files, "vision.encoder.layers.", config.vision.numLayers,
                    "vision_config.num_hidden_layers", dir);
    auto weights = ModelWeights::load(files, expectedTensors(config),
                                      WeightPlan::forPick(placement.weights, placement.dtype),
                                      placement.device);
    return std::unique_ptr<LlavaModel>(new LlavaModel(config, placement, weights));
}

LlavaModel::LlavaModel(const checkpoint::LlavaConfig &config, const Placement &placement,
                       ModelWeights &w)
    : config_(config)
    , vision_(config.vision, layersToRun(config), w)
    , decoder_(config.text, config.tieWordEmbeddings, w,
               WeightPlan::forPick(placement.weights, placement.dtype).head)
{
    proj1W_ = w.takeLinear("projector.linear_1.weight");
    proj2W_ = w.takeLinear("projector.linear_2.weight");
    if (config.projectorBias) {
        proj1B_ = w.take("projector.linear_1.bias");
        proj2B_ = w.take("projector.linear_2.bias");
    }
    info_.weightFormat = kernels::weightFormatName(placement.weights);
    info_.weightBytes = w.loadedBytes();
    info_.bytesPerToken = decoder_.bytesPerToken();
    const auto &t = config.text;
    info_.family = "llava";
    info_.layers = t.numLayers;
    info_.kvHeads = t.numKvHeads;
    info_.headDim = t.headDim;
    info_.hiddenSize = t.hiddenSize;
    info_.vocabSize = t.vocabSize;
    info_.maxPositions = t.maxPositions;
    info_.imageTokenId = config.imageTokenId;
    info_.tokensPerImage = config.tokensPerImage();
    info_.imageSize = config.vision.imageSize;
    info_.imageChannels = config.vision.numChannels;
    info_.bosTokenId = t.bosTokenId;
    info_.eosTokenIds = t.eosTokenIds;
    info_.dtype = placement.dtype;
    info_.device = placement.device;
}

at::Tensor LlavaModel::encodeImages(const at::Tensor &pixels) const
{
    auto states = vision_.hiddenStates(pixels, config_.featureLayerIndices());
    const bool dropCls = config_.selectStrategy == "default";
    for (auto &s : states)
        s = dropCls ? s.narrow(1, 1, s.size(1) - 1) : s;
    at::Tensor feat = states.size() == 1 ? states[0] : at::cat(states, -1);
    at::Tensor img = dense(at::gelu(dense(feat, proj1W_, proj1B_)), proj2W_, proj2B_);
    return img.reshape({-1, img.size(-1)});
}

at::Tensor LlavaModel::embedWithImages(const at::Tensor &ids, const at::Tensor &pixels) const
{
    at::Tensor embeds = decoder_.embed(ids);
    at::Tensor mask = ids.to(embeds.device()) == config_.imageTokenId;
    const int64_t slots = mask.sum().item<int64_t>();
    const int64_t images = pixels.defined() ? pixels.size(0) : 0;
    const int64_t perImage = config_.tokensPerImage();
    if (slots != images * perImage)
        throw std::invalid_argument(
            "the prompt has " + std::to_string(slots) + " image-token positions (id " +
            std::to_string(config_.imageTokenId) + ") but " + std::to_string(images) +
            " image(s) give " + std::to_string(images * perImage) + " features; each image needs " +
            std::to_string(perImage) + " image tokens, one image per <image> marker");
    if (images == 0)
        return embeds;
    at::Tensor feats = encodeImages(pixels).to(embeds.scalar_type());
    return embeds.masked_scatter(mask.unsqueeze(-1).expand_as(embeds), feats);
}

at::Tensor LlavaModel::logits(const ForwardInput &input, cache::ForwardStep &step,
                              LogitsMode mode)
{
    at::Tensor embeds = embedWithImages(input.ids.to(at::kLong), input.pixels);
    return decoder_.forward(embeds, step, mode);
}

} // namespace ec::engine::model
