#include "engine/checkpoint/llava_config.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace ec::engine::checkpoint {

namespace {

using json = nlohmann::json;

struct Reader
{
    const json &obj;
    std::string file;
    std::string prefix; // "text_config." etc.

    std::runtime_error error(const std::string &key, const std::string &what) const
    {
        return std::runtime_error(file + ": field '" + prefix + key + "' " + what);
    }
    bool has(const std::string &key) const { return obj.contains(key) && !obj.at(key).is_null(); }
    int64_t integer(const std::string &key, int64_t fallback, int64_t min = 1) const
    {
        if (!has(key))
            return fallback;
        const auto &v = obj.at(key);
        if (!v.is_number_integer())
            throw error(key, "must be an integer, got " + v.dump());
        const auto x = v.get<int64_t>();
        if (x < min)
            throw error(key, "must be at least " + std::to_string(min) + ", got " + v.dump());
        return x;
    }
    double number(const std::string &key, double fallback) const
    {
        if (!has(key))
            return fallback;
        const auto &v = obj.at(key);
        if (!v.is_number() || v.get<double>() <= 0)
            throw error(key, "must be a positive number, got " + v.dump());
        return v.get<double>();
    }
    bool boolean(const std::string &key, bool fallback) const
    {
        if (!has(key))
            return fallback;
        if (!obj.at(key).is_boolean())
            throw error(key, "must be true or false, got " + obj.at(key).dump());
        return obj.at(key).get<bool>();
    }
    std::string string(const std::string &key, const std::string &fallback) const
    {
        if (!has(key))
            return fallback;
        if (!obj.at(key).is_string())
            throw error(key, "must be a string, got " + obj.at(key).dump());
        return obj.at(key).get<std::string>();
    }
    // An int, or a list of ints when `allowList`.
    std::vector<int64_t> integers(const std::string &key, std::vector<int64_t> fallback,
                                  bool allowList) const
    {
        if (!has(key))
            return fallback;
        const auto &v = obj.at(key);
        if (v.is_number_integer())
            return {v.get<int64_t>()};
        if (allowList && v.is_array() && !v.empty()) {
            std::vector<int64_t> out;
            for (const auto &x : v) {
                if (!x.is_number_integer())
                    throw error(key, "must be a list of integers, got " + v.dump());
                out.push_back(x.get<int64_t>());
            }
            return out;
        }
        throw error(key, std::string("must be an integer") + (allowList ? " or a list" : "") +
                             ", got " + v.dump());
    }
    void requireOneOf(const std::string &key, const std::string &value,
                      std::initializer_list<const char *> allowed) const
    {
        std::string list;
        for (const char *a : allowed) {
            if (value == a)
                return;
            list += std::string(list.empty() ? "" : ", ") + a;
        }
        throw error(key, "is '" + value +
                             "', which this engine does not implement (supported: " + list + ")");
    }
};

ClipVisionConfig parseVision(const json *obj, const std::string &file)
{
    ClipVisionConfig c;
    if (!obj) {
        // LlavaConfig's default vision tower: CLIP ViT-L/14-336.
        c.hiddenSize = 1024;
        c.intermediateSize = 4096;
        c.numLayers = 24;
        c.numHeads = 16;
        c.imageSize = 336;
        c.patchSize = 14;
        return c;
    }
    if (!obj->is_object())
        throw std::runtime_error(file + ": field 'vision_config' must be an object");
    Reader r{*obj, file, "vision_config."};
    r.requireOneOf("model_type", r.string("model_type", "clip_vision_model"),
                   {"clip_vision_model"});
    c.hiddenSize = r.integer("hidden_size", c.hiddenSize);
    c.intermediateSize = r.integer("intermediate_size", c.intermediateSize);
    c.numLayers = r.integer("num_hidden_layers", c.numLayers);
    c.numHeads = r.integer("num_attention_heads", c.numHeads);
    c.numChannels = r.integer("num_channels", c.numChannels);
    c.imageSize = r.integer("image_size", c.imageSize);
    c.patchSize = r.integer("patch_size", c.patchSize);
    c.layerNormEps = r.number("layer_norm_eps", c.layerNormEps);
    c.hiddenAct = r.string("hidden_act", c.hiddenAct);
    r.requireOneOf("hidden_act", c.hiddenAct, {"quick_gelu", "gelu"});
    if (c.hiddenSize % c.numHeads != 0)
        throw r.error("hidden_size", "must be a multiple of num_attention_heads");
    if (c.imageSize % c.patchSize != 0)
        throw r.error("image_size", "must be a multiple of patch_size");
    return c;
}

void rejectRopeScaling(const Reader &r, LlamaTextConfig &c)
{
    if (r.has("rope_scaling"))
        throw r.error("rope_scaling", "is " + r.obj.at("rope_scaling").dump() +
                                          "; RoPE scaling is not implemented (LLaVA-1.5 "
                                          "uses null)");
    if (!r.has("rope_parameters"))
        return;
    const auto &p = r.obj.at("rope_parameters");
    if (!p.is_object())
        throw r.error("rope_parameters", "must be an object");
    Reader pr{p, r.file, r.prefix + "rope_parameters."};
    pr.requireOneOf("rope_type", pr.string("rope_type", "default"), {"default"});
    c.ropeTheta = pr.number("rope_theta", c.ropeTheta);
}

LlamaTextConfig parseText(const json *obj, const std::string &file)
{
    LlamaTextConfig c;
    if (!obj)
        return c;
    if (!obj->is_object())
        throw std::runtime_error(file + ": field 'text_config' must be an object");
    Reader r{*obj, file, "text_config."};
    r.requireOneOf("model_type", r.string("model_type", "llama"), {"llama"});
    c.hiddenSize = r.integer("hidden_size", c.hiddenSize);
    c.intermediateSize = r.integer("intermediate_size", c.intermediateSize);
    c.numLayers = r.integer("num_hidden_layers", c.numLayers);
    c.numHeads = r.integer("num_attention_heads", c.numHeads);
    c.numKvHeads = r.integer("num_key_value_heads", c.numHeads);
    c.vocabSize = r.integer("vocab_size", c.vocabSize);
    c.maxPositions = r.integer("max_position_embeddings", c.maxPositions);
    c.rmsNormEps = r.number("rms_norm_eps", c.rmsNormEps);
    c.ropeTheta = r.number("rope_theta", c.ropeTheta);
    rejectRopeScaling(r, c);
    r.requireOneOf("hidden_act", r.string("hidden_act", "silu"), {"silu"});
    if (r.boolean("attention_bias", false))
        throw r.error("attention_bias", "is true; biased q/k/v/o projections are not implemented");
    if (r.boolean("mlp_bias", false))
        throw r.error("mlp_bias", "is true; biased MLP projections are not implemented");
    if (c.numHeads % c.numKvHeads != 0)
        throw r.error("num_key_value_heads",
                      "must divide num_attention_heads (" + std::to_string(c.numHeads) + ")");
    if (!r.has("head_dim") && c.hiddenSize % c.numHeads != 0)
        throw r.error("hidden_size", "must be a multiple of num_attention_heads");
    c.headDim = r.integer("head_dim", c.hiddenSize / c.numHeads);
    if (c.headDim % 2 != 0)
        throw r.error("head_dim", "must be even for rotary embeddings");
    c.bosTokenId = r.integer("bos_token_id", c.bosTokenId, 0);
    c.eosTokenIds = r.integers("eos_token_id", c.eosTokenIds, true);
    return c;
}

} // namespace

std::vector<int64_t> LlavaConfig::featureLayerIndices() const
{
    std::vector<int64_t> out;
    for (int64_t l : visionFeatureLayers)
        out.push_back(l < 0 ? vision.numLayers + 1 + l : l);
    return out;
}

int64_t LlavaConfig::tokensPerImage() const
{
    return vision.positions() - (selectStrategy == "default" ? 1 : 0);
}

int64_t LlavaConfig::projectorInputSize() const
{
    return vision.hiddenSize * static_cast<int64_t>(visionFeatureLayers.size());
}

LlavaConfig parseLlavaConfig(const std::string &text, const std::string &file)
{
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error &e) {
        throw std::runtime_error(file + ": not valid JSON (" + e.what() + ")");
    }
    if (!root.is_object())
        throw std::runtime_error(file + ": must hold a JSON object");
    Reader r{root, file, ""};
    const std::string modelType = r.string("model_type", "");
    if (modelType != "llava")
        throw std::runtime_error(
            file + ": field 'model_type' is '" + modelType +
            "', not 'llava'; point --model at a llava-hf LLaVA-1.5 checkpoint folder");

    LlavaConfig c;
    c.vision = parseVision(r.has("vision_config") ? &root.at("vision_config") : nullptr, file);
    c.text = parseText(r.has("text_config") ? &root.at("text_config") : nullptr, file);
    c.imageTokenId = r.integer("image_token_index", r.integer("image_token_id", 32000, 0), 0);
    c.padTokenId = r.has("pad_token_id") ? r.integer("pad_token_id", -1, 0) : -1;
    r.requireOneOf("projector_hidden_act", r.string("projector_hidden_act", "gelu"), {"gelu"});
    c.selectStrategy = r.string("vision_feature_select_strategy", "default");
    r.requireOneOf("vision_feature_select_strategy", c.selectStrategy, {"default", "full"});
    c.visionFeatureLayers = r.integers("vision_feature_layer", {-2}, true);
    for (int64_t l : c.visionFeatureLayers) {
        if (l < -(c.vision.numLayers + 1) || l > c.vision.numLayers)
            throw r.error("vision_feature_layer",
                          "entry " + std::to_string(l) + " is outside the vision tower's " +
                              std::to_string(c.vision.numLayers + 1) + " hidden states");
    }
    c.projectorBias = r.boolean("multimodal_projector_bias", true);
    // LlavaConfig inherits tie_word_embeddings from text_config when the top level is silent.
    bool textTie = false;
    if (r.has("text_config"))
        textTie = Reader{root.at("text_config"), file, "text_config."}.boolean(
            "tie_word_embeddings", false);
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", textTie);
    c.torchDtype = r.string("torch_dtype", r.string("dtype", ""));
    if (c.imageTokenId >= c.text.vocabSize)
        throw r.error("image_token_index", "(" + std::to_string(c.imageTokenId) +
                                               ") must be below text_config.vocab_size (" +
                                               std::to_string(c.text.vocabSize) + ")");
    return c;
}

static std::string readConfigText(const std::filesystem::path &modelDir)
{
    const auto path = modelDir / "config.json";
    if (!std::filesystem::is_directory(modelDir))
        throw std::runtime_error(modelDir.string() + ": not a folder; give the checkpoint folder "
                                                     "that holds config.json");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error(path.string() + ": missing; the folder is not a Hugging Face "
                                                 "checkpoint (expected config.json)");
    in.seekg(0, std::ios::end);
    const auto size = static_cast<uint64_t>(in.tellg());
    if (size > 16u << 20)
        throw std::runtime_error(path.string() + ": larger than 16 MB, not a config file");
    in.seekg(0);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

LlavaConfig readLlavaConfig(const std::filesystem::path &modelDir)
{
    return parseLlavaConfig(readConfigText(modelDir), (modelDir / "config.json").string());
}

std::string readModelType(const std::filesystem::path &modelDir)
{
    const auto file = (modelDir / "config.json").string();
    json root;
    try {
        root = json::parse(readConfigText(modelDir));
    } catch (const json::parse_error &e) {
        throw std::runtime_error(file + ": not valid JSON (" + e.what() + ")");
    }
    if (!root.is_object() || !root.contains("model_type") || !root["model_type"].is_string())
        throw std::runtime_error(file + ": field 'model_type' is missing; not a Hugging Face "
                                        "model checkpoint");
    return root["model_type"].get<std::string>();
}

} // namespace ec::engine::checkpoint
