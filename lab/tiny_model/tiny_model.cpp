#include "lab/tiny_model/tiny_model.h"

#include "engine/checkpoint/llava_config.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/model/llava_model.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ec::tools {

namespace {

using json = nlohmann::json;
namespace ckpt = engine::checkpoint;

bool isNormWeight(const std::string &name)
{
    auto ends = [&](const std::string &s) {
        return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return (name.find("norm") != std::string::npos || name.find("layrnorm") != std::string::npos) &&
           ends(".weight");
}

void writeText(const std::filesystem::path &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out)
        throw std::runtime_error(path.string() + ": cannot write");
}

} // namespace

std::string tinyConfigJson(const TinyModelSpec &s)
{
    json featureLayer =
        s.featureLayers.size() == 1 ? json(s.featureLayers[0]) : json(s.featureLayers);
    const int64_t grid = s.imageSize / s.patchSize;
    json config = {
        {"architectures", {"LlavaForConditionalGeneration"}},
        {"model_type", "llava"},
        {"image_token_index", s.imageTokenId},
        {"pad_token_id", s.imageTokenId + 1 < s.vocabSize ? s.imageTokenId + 1 : 0},
        {"projector_hidden_act", "gelu"},
        {"multimodal_projector_bias", s.projectorBias},
        {"tie_word_embeddings", s.tieWordEmbeddings},
        {"vision_feature_layer", featureLayer},
        {"vision_feature_select_strategy", s.selectStrategy},
        {"image_seq_length", grid * grid + (s.selectStrategy == "full" ? 1 : 0)},
        {"torch_dtype", s.dtype == "F16"    ? "float16"
                        : s.dtype == "BF16" ? "bfloat16"
                                            : "float32"},
        {"vision_config",
         {{"model_type", "clip_vision_model"},
          {"hidden_size", s.visionHidden},
          {"intermediate_size", s.visionIntermediate},
          {"num_attention_heads", s.visionHeads},
          {"num_hidden_layers", s.visionLayers},
          {"image_size", s.imageSize},
          {"patch_size", s.patchSize},
          {"num_channels", 3},
          {"hidden_act", "quick_gelu"},
          {"layer_norm_eps", 1e-5},
          {"projection_dim", s.visionHidden}}},
        {"text_config",
         {{"model_type", "llama"},
          {"hidden_size", s.textHidden},
          {"intermediate_size", s.textIntermediate},
          {"num_attention_heads", s.textHeads},
          {"num_key_value_heads", s.textKvHeads},
          {"num_hidden_layers", s.textLayers},
          {"vocab_size", s.vocabSize},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", s.ropeTheta},
          {"rope_scaling", nullptr},
          {"max_position_embeddings", s.maxPositions},
          {"hidden_act", "silu"},
          {"bos_token_id", 1},
          {"eos_token_id", 2},
          {"tie_word_embeddings", s.tieWordEmbeddings}}},
    };
    return config.dump(2);
}

void writeTinyModel(const std::filesystem::path &dir, const TinyModelSpec &spec)
{
    if (spec.shards < 1)
        throw std::invalid_argument("tiny model: shards must be at least 1");
    const std::string configText = tinyConfigJson(spec);
    const auto config = ckpt::parseLlavaConfig(configText, "tiny config");
    const auto type = ckpt::scalarType(spec.dtype, "tiny model dtype");
    if (type != at::kFloat && type != at::kHalf && type != at::kBFloat16)
        throw std::invalid_argument("tiny model: dtype must be F32, F16 or BF16");
    std::filesystem::create_directories(dir);

    auto gen = at::make_generator<at::CPUGeneratorImpl>(spec.seed);
    ckpt::NamedTensors tensors;
    for (const auto &t : engine::model::LlavaModel::expectedTensors(config)) {
        at::Tensor x = at::randn(t.shape, gen, at::TensorOptions().dtype(at::kFloat));
        if (isNormWeight(t.name))
            x = x.mul_(0.1).add_(1.0);
        else
            x = x.mul_(spec.initStd);
        tensors.emplace_back(ckpt::onDiskName(t.name, spec.names), x.to(type));
    }
    if (spec.legacyBuffers) {
        const int64_t positions = config.vision.positions();
        tensors.emplace_back(ckpt::onDiskName("vision.embeddings.position_ids", spec.names),
                             at::arange(positions, at::kLong).unsqueeze(0));
        tensors.emplace_back(
            ckpt::onDiskName("lm.layers.0.self_attn.rotary_emb.inv_freq", spec.names),
            at::ones({config.text.headDim / 2}, at::kFloat));
    }

    if (spec.shards == 1) {
        ckpt::writeSafetensors(dir / "model.safetensors", tensors);
    } else {
        std::vector<ckpt::NamedTensors> parts(spec.shards);
        for (size_t i = 0; i < tensors.size(); ++i)
            parts[i % spec.shards].push_back(tensors[i]);
        json weightMap = json::object();
        int64_t total = 0;
        for (int k = 0; k < spec.shards; ++k) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", k + 1, spec.shards);
            ckpt::writeSafetensors(dir / name, parts[k]);
            for (const auto &[n, t] : parts[k]) {
                weightMap[n] = name;
                total += t.numel() * t.element_size();
            }
        }
        json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weightMap}};
        writeText(dir / "model.safetensors.index.json", index.dump(2));
    }
    writeText(dir / "config.json", configText);
    json pre = {{"image_processor_type", "CLIPImageProcessor"},
                {"processor_class", "LlavaProcessor"},
                {"do_convert_rgb", true},
                {"do_resize", true},
                {"size", {{"shortest_edge", spec.imageSize}}},
                {"resample", 3},
                {"do_center_crop", true},
                {"crop_size", {{"height", spec.imageSize}, {"width", spec.imageSize}}},
                {"do_rescale", true},
                {"rescale_factor", 1.0 / 255.0},
                {"do_normalize", true},
                {"image_mean", {0.48145466, 0.4578275, 0.40821073}},
                {"image_std", {0.26862954, 0.26130258, 0.27577711}}};
    writeText(dir / "preprocessor_config.json", pre.dump(2));
    json gen_cfg = {{"bos_token_id", 1}, {"eos_token_id", 2}};
    writeText(dir / "generation_config.json", gen_cfg.dump(2));
}

} // namespace ec::tools
