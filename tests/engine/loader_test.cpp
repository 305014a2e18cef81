#include "engine/checkpoint/checkpoint_files.h"
#include "engine/checkpoint/llava_config.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/model/llava_model.h"
#include "engine_test_support.h"

#include <ATen/ATen.h>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

using namespace ec::engine;
using namespace ec::engine::checkpoint;
using ec::test::expectThrowsWith;

namespace {

std::map<std::string, at::Tensor> loadAll(const std::filesystem::path &dir)
{
    const auto config = readLlavaConfig(dir);
    CheckpointFiles files(dir);
    auto expected = model::LlavaModel::expectedTensors(config);
    for (auto &e : expected)
        e.load = true;
    return files.load(expected, at::kFloat, at::kCPU);
}

// Rewrites model.safetensors of `dir` through `edit`.
void editTensors(const std::filesystem::path &dir, const std::function<void(NamedTensors &)> &edit)
{
    NamedTensors tensors;
    {
        SafetensorsFile file(dir / "model.safetensors");
        for (const auto &info : file.tensors())
            tensors.emplace_back(info.name, file.view(info).clone());
    }
    edit(tensors);
    writeSafetensors(dir / "model.safetensors", tensors);
}

class Loader : public ::testing::Test
{
protected:
    void SetUp() override { ec::tools::writeTinyModel(dir.path(), ec::test::smallSpec()); }
    ec::test::TempDir dir;
};

} // namespace

TEST(LoaderRoundTrip, EveryDtypeNameSchemeAndShardingReadsBackTheSameWeights)
{
    ec::test::TempDir root;
    auto spec = ec::test::smallSpec();
    ec::tools::writeTinyModel(root / "ref", spec);
    const auto reference = loadAll(root / "ref");
    for (const char *dtype : {"F32", "F16", "BF16"}) {
        for (auto scheme : {NameScheme::Legacy, NameScheme::Modern}) {
            for (int shards : {1, 3}) {
                const std::string name = std::string(dtype) +
                                         (scheme == NameScheme::Legacy ? "-legacy-" : "-modern-") +
                                         std::to_string(shards);
                spec.dtype = dtype;
                spec.names = scheme;
                spec.shards = shards;
                spec.legacyBuffers = shards == 3; // ignored tensors must not disturb loading
                ec::tools::writeTinyModel(root / name, spec);
                const auto back = loadAll(root / name);
                ASSERT_EQ(back.size(), reference.size()) << name;
                const auto type = scalarType(dtype, "test");
                for (const auto &[tensorName, ref] : reference) {
                    at::Tensor expected = ref.to(type).to(at::kFloat);
                    EXPECT_TRUE(at::equal(back.at(tensorName), expected))
                        << name << " " << tensorName;
                }
                auto model = loadModel(root / name, {"cpu", "f32"});
                EXPECT_EQ(model->info().vocabSize, 256);
            }
        }
    }
}

TEST(LoaderRoundTrip, LoadsInTheRequestedDtype)
{
    ec::test::TempDir root;
    auto spec = ec::test::smallSpec();
    spec.dtype = "F16";
    ec::tools::writeTinyModel(root.path(), spec);
    auto model = loadModel(root.path(), {"cpu", "bf16"});
    EXPECT_EQ(model->info().dtype, at::kBFloat16);
    EXPECT_EQ(model->cacheLayout(1).dtype, at::kBFloat16);
    expectThrowsWith(
        [&] {
            loadModel(root.path(), {"cpu", "f16"});
        },
        {"f16 is not supported on the CPU"});
    expectThrowsWith([&] { loadModel(root.path(), {"tpu", "auto"}); }, {"device 'tpu'"});
    auto autoModel = loadModel(root.path(), {});
    EXPECT_EQ(autoModel->info().dtype, at::hasCUDA() ? at::kHalf : at::kFloat);
}

TEST_F(Loader, MissingTensorIsNamed)
{
    editTensors(dir.path(), [](NamedTensors &t) {
        std::erase_if(t, [](auto &p) { return p.first == "language_model.model.norm.weight"; });
    });
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"missing tensors", "lm.norm.weight", "does not match its config.json"});
}

TEST_F(Loader, UnexpectedTensorIsNamed)
{
    editTensors(dir.path(), [](NamedTensors &t) {
        t.emplace_back("language_model.model.layers.7.mlp.up_proj.weight", at::zeros({2}));
        t.emplace_back("some_head.weight", at::zeros({2}));
    });
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"unexpected tensors", "language_model.model.layers.7.mlp.up_proj.weight",
         "some_head.weight"});
}

TEST_F(Loader, WrongShapeIsNamed)
{
    editTensors(dir.path(), [](NamedTensors &t) {
        for (auto &p : t) {
            if (p.first == "multi_modal_projector.linear_1.weight")
                p.second = at::zeros({32, 31});
        }
    });
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"'multi_modal_projector.linear_1.weight'", "shape [32,31]",
         "config.json implies [32,32]"});
}

TEST_F(Loader, WrongDtypeIsNamed)
{
    editTensors(dir.path(), [](NamedTensors &t) {
        for (auto &p : t) {
            if (p.first == "language_model.model.norm.weight")
                p.second = at::zeros({32}, at::kLong);
        }
    });
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"'language_model.model.norm.weight'", "dtype I64", "F32, F16 or BF16"});
}

TEST_F(Loader, MixedNameSchemesAreRejected)
{
    editTensors(dir.path(), [](NamedTensors &t) {
        t.emplace_back("lm_head.weight", at::zeros({256, 32}));
    });
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"'lm_head.weight' duplicates 'language_model.lm_head.weight'"});
}

TEST_F(Loader, NotALlavaDirectory)
{
    ec::test::TempDir empty;
    expectThrowsWith([&] { loadModel(empty.path()); }, {"config.json", "missing"});
    expectThrowsWith([&] { loadModel(empty / "nowhere"); }, {"not a folder"});
    ec::test::writeFile(empty / "config.json", R"({"model_type":"llama","hidden_size":8})");
    expectThrowsWith([&] { loadModel(empty.path()); },
                     {"model_type 'llama' is not supported", "LLaVA-1.5"});
    ec::test::writeFile(empty / "config.json", R"({"hidden_size":8})");
    expectThrowsWith([&] { loadModel(empty.path()); }, {"'model_type' is missing"});
    ec::test::writeFile(empty / "config.json", "{not json");
    expectThrowsWith([&] { loadModel(empty.path()); }, {"config.json", "not valid JSON"});
}

TEST_F(Loader, MissingWeightFilesAndBadIndex)
{
    std::filesystem::remove(dir / "model.safetensors");
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"no model.safetensors or model.safetensors.index.json"});
    ec::test::writeFile(dir / "model.safetensors.index.json",
                        R"({"weight_map":{"lm_head.weight":"model-00001-of-00002.safetensors"}})");
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"model-00001-of-00002.safetensors", "missing from the folder"});
    ec::test::writeFile(dir / "model.safetensors.index.json",
                        R"({"weight_map":{"lm_head.weight":"../../etc/passwd"}})");
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"not a file in the checkpoint folder"});
    ec::test::writeFile(dir / "model.safetensors.index.json", R"({"metadata":{}})");
    expectThrowsWith([&] { loadModel(dir.path(), {"cpu", "f32"}); }, {"'weight_map' is missing"});
}

TEST_F(Loader, TruncatedWeightFileIsRejected)
{
    const std::string bytes = ec::test::readFile(dir / "model.safetensors");
    ec::test::writeFile(dir / "model.safetensors", bytes.substr(0, bytes.size() - 100));
    expectThrowsWith(
        [&] {
            loadModel(dir.path(), {"cpu", "f32"});
        },
        {"model.safetensors", "outside the data buffer"});
}

TEST_F(Loader, VisionLayersBeyondTheFeatureLayerAreNeitherLoadedNorRun)
{
    // vision_feature_layer -2 of 3 layers: layer 2 and post_layernorm never matter, so
    // poisoning them with NaN must leave the logits unchanged (and finite).
    auto logitsOf = [&] {
        auto model = loadModel(dir.path(), {"cpu", "f32"});
        const auto &info = model->info();
        ec::cache::KvCache cache(model->cacheLayout(1));
        auto policy = ec::cache::makePolicy({});
        std::vector<int64_t> ids{1, 5};
        ids.insert(ids.end(), info.tokensPerImage, info.imageTokenId);
        ids.push_back(9);
        ForwardInput in;
        in.ids = at::tensor(ids, at::kLong).view({1, -1});
        in.pixels = at::linspace(-1, 1, 3 * 12 * 12).view({1, 3, 12, 12});
        return model->forward(in, cache, *policy, 0, ec::cache::Phase::Prefill, LogitsMode::All)
            .logits;
    };
    const at::Tensor before = logitsOf();
    editTensors(dir.path(), [](NamedTensors &t) {
        for (auto &p : t) {
            if (p.first.find("encoder.layers.2.") != std::string::npos ||
                p.first.find("post_layernorm") != std::string::npos)
                p.second = at::full_like(p.second, std::nan(""));
        }
    });
    const at::Tensor after = logitsOf();
    EXPECT_TRUE(at::isfinite(after).all().item<bool>());
    EXPECT_TRUE(at::equal(before, after));
    // Poisoning a layer that is used does change the result (the check can fail).
    editTensors(dir.path(), [](NamedTensors &t) {
        for (auto &p : t) {
            if (p.first == "vision_tower.vision_model.encoder.layers.1.mlp.fc2.bias")
                p.second = p.second + 1.0;
        }
    });
    EXPECT_FALSE(at::allclose(before, logitsOf()));
}

TEST_F(Loader, LogitsCommandWritesWhatTheEngineComputes)
{
    const auto cli = std::filesystem::path(EC_TEST_BINARY_DIR) / "app" / "elastic-cli";
    if (!std::filesystem::exists(cli))
        GTEST_SKIP() << "elastic-cli is not built (cmake --build build --target elastic-cli)";
    ec::test::TempDir out;
    writeSafetensors(out / "px.safetensors",
                     {{"pixel_values", at::linspace(-1, 1, 3 * 12 * 12).view({1, 3, 12, 12})}});
    const std::string cmd = cli.string() + " logits --model " + dir.path().string() +
                            " --ids 1,5,250,9 --image-pixels " + (out / "px.safetensors").string() +
                            " --answer-ids 20,21 --device cpu --out " +
                            (out / "l.safetensors").string() + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    SafetensorsFile file(out / "l.safetensors");
    const at::Tensor ids = file.view("prompt_ids");
    EXPECT_EQ(ids.numel(), 3 + 36) << "the single image marker was expanded";
    std::vector<int64_t> all(ids.data_ptr<int64_t>(), ids.data_ptr<int64_t>() + ids.numel());
    all.push_back(20);
    all.push_back(21);
    auto model = loadModel(dir.path(), {"cpu", "f32"});
    ec::cache::KvCache cache(model->cacheLayout(1));
    auto policy = ec::cache::makePolicy({});
    ForwardInput in;
    in.ids = at::tensor(all, at::kLong).view({1, -1});
    in.pixels = at::linspace(-1, 1, 3 * 12 * 12).view({1, 3, 12, 12});
    const at::Tensor full =
        model->forward(in, cache, *policy, 0, ec::cache::Phase::Prefill, LogitsMode::All).logits[0];
    const int64_t n = ids.numel();
    EXPECT_LT((file.view("prompt_logits") - full[n - 1]).abs().max().item<double>(), 1e-4);
    EXPECT_LT((file.view("answer_logits") - full.narrow(0, n, 2)).abs().max().item<double>(), 1e-4);
    EXPECT_EQ(file.metadata().at("policy"), "full");
}

// A config whose layer count the weights cannot hold is refused, naming the key and both
// counts, before any tensor list or allocation (10^9 layers used to hang the loader for minutes,
// which the suite's time limit would catch).
TEST_F(Loader, LayerCountBeyondTheWeightsIsRefusedAtOnce)
{
    for (const char *part : {"text_config", "vision_config"}) {
        ec::test::TempDir copy;
        ec::tools::writeTinyModel(copy.path(), ec::test::smallSpec());
        const auto path = copy.path() / "config.json";
        nlohmann::json config = nlohmann::json::parse(std::ifstream(path));
        const int64_t layers = config[part]["num_hidden_layers"].get<int64_t>();
        config[part]["num_hidden_layers"] = 1000000000;
        std::ofstream(path) << config.dump();
        expectThrowsWith([&] { loadModel(copy.path(), {"cpu", "f32"}); },
                         {std::string(part) + ".num_hidden_layers is 1000000000",
                          "the weights hold " + std::to_string(layers) + " layers"});
    }
}

// `--weights auto` on the CPU: float32 for small checkpoints (the demo model, the tests' tiny
// ones), f16 above kCpuHalfWeightsAbove bytes as float32 (half the memory, faster decode).
TEST(Placement, AutoWeightsOnTheCpuAreF16ForLargeCheckpointsOnly)
{
    using ec::kernels::WeightFormat;
    const LoadOptions cpu{"cpu", "auto", "auto"};
    EXPECT_EQ(resolvePlacement(cpu, "float16", 100'000'000).weights, WeightFormat::F32);
    EXPECT_EQ(resolvePlacement(cpu, "float16", 600'000'000).weights, WeightFormat::F16);
    EXPECT_EQ(resolvePlacement(cpu, "float32", 600'000'000).weights, WeightFormat::F32);
    EXPECT_EQ(resolvePlacement(cpu, "float32", 2'000'000'000).weights, WeightFormat::F16);
    EXPECT_EQ(resolvePlacement(cpu, "float32", 2'000'000'000).dtype, at::kFloat);
    // An explicit choice is kept, and a 16-bit compute dtype keeps its own weights.
    EXPECT_EQ(resolvePlacement({"cpu", "auto", "f32"}, "float32", 2'000'000'000).weights,
              WeightFormat::F32);
    EXPECT_EQ(resolvePlacement({"cpu", "bf16", "auto"}, "float32", 2'000'000'000).weights,
              WeightFormat::BF16);
}
