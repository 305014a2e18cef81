// The shipped demo model on CUDA against the same model on the CPU, through ChatSession as the app
// runs it: a three-turn conversation about two images under each cache policy must give the same
// greedy answers and the same cache size after every turn, and the first turn's logits must agree.
// The CPU engine is the reference the model card was measured with. Skips without a CUDA device
// (lab/scripts/gpu-check.sh runs it on the GPU machine: ctest -L gpu).
#include "engine/chat/chat_session.h"
#include "engine/image/clip_preprocess.h"
#include "engine/image/pixel_tensor.h"
#include "engine/model/vision_language_model.h"
#include "engine/runtime.h"

#include <ATen/ATen.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using ec::engine::ChatOptions;
using ec::engine::ChatSession;
using ec::engine::GenerationOptions;
using ec::image::RgbImage;

const fs::path kModel = fs::path(EC_TEST_SOURCE_DIR) / "resources" / "models" / "demo";

// A 48-px picture of the demo world's kind, drawn here so that no image decoder is needed (the
// GPU machine's build has no OpenCV): filled squares and discs on a light background.
struct Shape
{
    int cellX, cellY; // 3 x 3 grid, 16 px cells
    bool disc;
    std::array<uint8_t, 3> colour;
};

RgbImage drawScene(const std::vector<Shape> &shapes)
{
    RgbImage image(48, 48);
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 48; ++x) {
            uint8_t *p = image.row(y) + 3 * x;
            p[0] = 226, p[1] = 222, p[2] = 210;
            for (const Shape &s : shapes) {
                const int dx = x - (16 * s.cellX + 8), dy = y - (16 * s.cellY + 8);
                const bool inside =
                    s.disc ? dx * dx + dy * dy <= 36 : std::abs(dx) <= 5 && std::abs(dy) <= 5;
                if (inside)
                    p[0] = s.colour[0], p[1] = s.colour[1], p[2] = s.colour[2];
            }
        }
    return image;
}

struct Turn
{
    std::string question;
    std::vector<at::Tensor> images;
};

struct Outcome
{
    std::vector<std::string> answers;
    std::vector<int64_t> cacheEntries;
    at::Tensor firstLogits; // float32 [1, steps, V] of the first turn, on the CPU
};

Outcome converse(ec::engine::VisionLanguageModel &model, const ec::cache::PolicyConfig &policy,
                 const std::vector<Turn> &turns)
{
    ChatOptions options;
    options.session.policy = policy;
    ChatSession chat(model, kModel, options);
    GenerationOptions generation;
    generation.maxNewTokens = 160;
    Outcome out;
    for (const Turn &turn : turns) {
        generation.keepLogits = out.answers.empty();
        const auto reply = chat.ask(turn.question, turn.images, generation); // moved by Session
        out.answers.push_back(reply.text);
        out.cacheEntries.push_back(reply.result.stats.cacheEntries);
        if (generation.keepLogits)
            out.firstLogits = reply.result.logits.to(at::kCPU);
    }
    return out;
}

class CudaParity : public ::testing::Test
{
protected:
    void SetUp() override
    {
        if (!at::hasCUDA())
            GTEST_SKIP() << "the linked torch has no CUDA device";
        if (!fs::exists(kModel / "config.json"))
            GTEST_SKIP() << "no demo model at " << kModel;
        ec::engine::initRuntime(2);
        cpu_ = ec::engine::loadModel(kModel, {"cpu", "f32"});
        cuda_ = ec::engine::loadModel(kModel, {"cuda", "f32"});
        const auto config = ec::image::PreprocessConfig::fromModelDirectory(kModel);
        auto pixels = [&](const std::vector<Shape> &shapes) {
            return ec::image::pixelValuesTensor(
                {ec::image::preprocessImage(drawScene(shapes), config)});
        };
        const at::Tensor first = pixels({{0, 0, false, {200, 30, 30}},
                                         {1, 1, true, {30, 60, 200}},
                                         {2, 2, false, {40, 160, 60}}});
        const at::Tensor second =
            pixels({{2, 0, true, {230, 200, 40}}, {0, 2, true, {200, 30, 30}}});
        turns_ = {{"Describe the image in detail.", {first}},
                  {"How many objects are there?", {second}},
                  {"In the first image, how many objects are there?", {}}};
    }

    std::unique_ptr<ec::engine::VisionLanguageModel> cpu_, cuda_;
    std::vector<Turn> turns_;
};

TEST_F(CudaParity, EveryPolicyAnswersAsOnTheCpu)
{
    for (const char *name : {"full", "elastic", "h2o", "local"}) {
        SCOPED_TRACE(name);
        ec::cache::PolicyConfig policy;
        policy.name = name;
        if (policy.name != "full")
            policy.budget.keepRatio = 0.3;
        const Outcome onCpu = converse(*cpu_, policy, turns_);
        const Outcome onCuda = converse(*cuda_, policy, turns_);
        for (size_t t = 0; t < turns_.size(); ++t) {
            SCOPED_TRACE("turn " + std::to_string(t + 1) + ": " + turns_[t].question);
            EXPECT_FALSE(onCpu.answers[t].empty());
            EXPECT_EQ(onCuda.answers[t], onCpu.answers[t]);
            EXPECT_EQ(onCuda.cacheEntries[t], onCpu.cacheEntries[t]);
        }
        // f32 on both, but CUDA's reductions run in another order (and cuDNN's convolutions may
        // use TF32): a tolerance well below the logit gaps greedy decoding depends on.
        ASSERT_EQ(onCuda.firstLogits.sizes(), onCpu.firstLogits.sizes());
        const double diff = (onCuda.firstLogits - onCpu.firstLogits).abs().max().item<double>();
        const double range = onCpu.firstLogits.abs().max().item<double>();
        std::printf("%-8s answers \"%s\" | \"%s\" | \"%s\"; cache %lld/%lld/%lld; first turn's "
                    "logits: max |CUDA - CPU| %.2e of max |logit| %.1f\n",
                    name, onCpu.answers[0].c_str(), onCpu.answers[1].c_str(),
                    onCpu.answers[2].c_str(), static_cast<long long>(onCpu.cacheEntries[0]),
                    static_cast<long long>(onCpu.cacheEntries[1]),
                    static_cast<long long>(onCpu.cacheEntries[2]), diff, range);
        EXPECT_LT(diff, 1e-2 * range);
    }
}

} // namespace
