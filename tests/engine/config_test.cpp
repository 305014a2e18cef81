#include "engine/checkpoint/llava_config.h"
#include "engine/checkpoint/tensor_names.h"
#include "engine_test_support.h"

#include <nlohmann/json.hpp>

using namespace ec::engine::checkpoint;
using ec::test::expectThrowsWith;

namespace {

// The llava-hf/llava-1.5-7b-hf config.json (checkpoint-formats 1.2): most sizes come from the
// class defaults.
const char *kLlavaHf7b = R"({"architectures":["LlavaForConditionalGeneration"],
 "model_type":"llava","ignore_index":-100,"image_token_index":32000,"pad_token_id":32001,
 "projector_hidden_act":"gelu","tie_word_embeddings":false,
 "text_config":{"_name_or_path":"lmsys/vicuna-7b-v1.5","architectures":["LlamaForCausalLM"],
   "model_type":"llama","max_position_embeddings":4096,"rms_norm_eps":1e-05,
   "torch_dtype":"float16","vocab_size":32064},
 "vision_config":{"model_type":"clip_vision_model","hidden_size":1024,"image_size":336,
   "intermediate_size":4096,"num_attention_heads":16,"num_hidden_layers":24,"patch_size":14,
   "projection_dim":768,"vocab_size":32000},
 "vision_feature_layer":-2,"vision_feature_select_strategy":"default"})";

std::string with(const std::string &patch)
{
    auto j = nlohmann::json::parse(kLlavaHf7b);
    j.merge_patch(nlohmann::json::parse(patch));
    return j.dump();
}

} // namespace

TEST(LlavaConfig, FillsClassDefaultsOfTheLlavaHf7bConfig)
{
    const auto c = parseLlavaConfig(kLlavaHf7b);
    EXPECT_EQ(c.text.hiddenSize, 4096);
    EXPECT_EQ(c.text.intermediateSize, 11008);
    EXPECT_EQ(c.text.numLayers, 32);
    EXPECT_EQ(c.text.numHeads, 32);
    EXPECT_EQ(c.text.numKvHeads, 32);
    EXPECT_EQ(c.text.headDim, 128);
    EXPECT_EQ(c.text.vocabSize, 32064);
    EXPECT_EQ(c.text.maxPositions, 4096);
    EXPECT_DOUBLE_EQ(c.text.rmsNormEps, 1e-5);
    EXPECT_DOUBLE_EQ(c.text.ropeTheta, 10000.0);
    EXPECT_EQ(c.text.eosTokenIds, std::vector<int64_t>{2});
    EXPECT_EQ(c.vision.hiddenAct, "quick_gelu");
    EXPECT_EQ(c.vision.numChannels, 3);
    EXPECT_EQ(c.imageTokenId, 32000);
    EXPECT_EQ(c.tokensPerImage(), 576);
    EXPECT_EQ(c.featureLayerIndices(), std::vector<int64_t>{23});
    EXPECT_TRUE(c.projectorBias);
    EXPECT_FALSE(c.tieWordEmbeddings);
}

TEST(LlavaConfig, AcceptsFeatureLayerListsFullStrategyAndAliases)
{
    const auto c = parseLlavaConfig(with(R"({"vision_feature_layer":[-2,-5],
        "vision_feature_select_strategy":"full","image_token_index":null,"image_token_id":7,
        "tie_word_embeddings":null,
        "text_config":{"num_key_value_heads":8,"eos_token_id":[2,5],"tie_word_embeddings":true}})"));
    EXPECT_EQ(c.featureLayerIndices(), (std::vector<int64_t>{23, 20}));
    EXPECT_EQ(c.projectorInputSize(), 2048);
    EXPECT_EQ(c.tokensPerImage(), 577);
    EXPECT_EQ(c.imageTokenId, 7);
    EXPECT_EQ(c.text.numKvHeads, 8);
    EXPECT_EQ(c.text.eosTokenIds, (std::vector<int64_t>{2, 5}));
    EXPECT_TRUE(c.tieWordEmbeddings) << "inherited from text_config";
}

TEST(LlavaConfig, RejectsRopeScalingNamingTheField)
{
    expectThrowsWith(
        [] {
            parseLlavaConfig(
                with(R"({"text_config":{"rope_scaling":{"type":"linear","factor":2.0}}})"));
        },
        {"config.json", "'text_config.rope_scaling'", "not implemented"});
    expectThrowsWith(
        [] {
            parseLlavaConfig(with(R"({"text_config":{"rope_parameters":{"rope_type":"yarn"}}})"));
        },
        {"'text_config.rope_parameters.rope_type'", "yarn"});
    const auto ok = parseLlavaConfig(
        with(R"({"text_config":{"rope_parameters":{"rope_type":"default","rope_theta":5e5}}})"));
    EXPECT_DOUBLE_EQ(ok.text.ropeTheta, 5e5);
}

TEST(LlavaConfig, RejectsWhatTheEngineDoesNotImplement)
{
    expectThrowsWith([] { parseLlavaConfig(with(R"({"projector_hidden_act":"relu"})")); },
                     {"'projector_hidden_act'", "relu"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"vision_feature_select_strategy":"cls"})")); },
                     {"'vision_feature_select_strategy'", "default, full"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"vision_feature_layer":-30})")); },
                     {"'vision_feature_layer'", "-30"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"text_config":{"num_key_value_heads":5}})")); },
                     {"'text_config.num_key_value_heads'", "must divide"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"text_config":{"model_type":"mistral"}})")); },
                     {"'text_config.model_type'", "mistral"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"text_config":{"attention_bias":true}})")); },
                     {"'text_config.attention_bias'"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"vision_config":{"hidden_size":"big"}})")); },
                     {"'vision_config.hidden_size'", "must be an integer"});
    expectThrowsWith([] { parseLlavaConfig(with(R"({"image_token_index":40000})")); },
                     {"'image_token_index'", "vocab_size"});
}

TEST(LlavaConfig, RejectsMalformedJsonAndOtherModels)
{
    expectThrowsWith([] { parseLlavaConfig("{\"model_type\": \"llava\",", "dir/config.json"); },
                     {"dir/config.json", "not valid JSON"});
    expectThrowsWith([] { parseLlavaConfig(R"({"model_type":"llama"})", "dir/config.json"); },
                     {"'model_type' is 'llama', not 'llava'"});
    expectThrowsWith([] { parseLlavaConfig("[1,2]"); }, {"JSON object"});
}

TEST(TensorNames, MapsLegacyAndModernNamesToOneCanonicalSet)
{
    const std::pair<const char *, const char *> cases[] = {
        {"language_model.model.layers.3.mlp.up_proj.weight", "lm.layers.3.mlp.up_proj.weight"},
        {"model.language_model.layers.3.mlp.up_proj.weight", "lm.layers.3.mlp.up_proj.weight"},
        {"language_model.lm_head.weight", "lm_head.weight"},
        {"lm_head.weight", "lm_head.weight"},
        {"vision_tower.vision_model.pre_layrnorm.bias", "vision.pre_layrnorm.bias"},
        {"model.vision_tower.vision_model.pre_layrnorm.bias", "vision.pre_layrnorm.bias"},
        {"multi_modal_projector.linear_1.weight", "projector.linear_1.weight"},
        {"model.multi_modal_projector.linear_1.weight", "projector.linear_1.weight"},
    };
    for (const auto &[disk, canonical] : cases) {
        ASSERT_TRUE(canonicalName(disk).has_value()) << disk;
        EXPECT_EQ(*canonicalName(disk), canonical) << disk;
    }
    EXPECT_FALSE(canonicalName("model.layers.0.mlp.up_proj.weight").has_value());
    EXPECT_FALSE(canonicalName("mm_projector.0.weight").has_value());
    for (auto scheme : {NameScheme::Legacy, NameScheme::Modern}) {
        for (const auto &[disk, canonical] : cases)
            EXPECT_EQ(canonicalName(onDiskName(canonical, scheme)), canonical);
    }
    EXPECT_TRUE(isIgnoredTensor("language_model.model.layers.0.self_attn.rotary_emb.inv_freq"));
    EXPECT_TRUE(isIgnoredTensor("vision_tower.vision_model.embeddings.position_ids"));
    EXPECT_FALSE(isIgnoredTensor("lm_head.weight"));
}
