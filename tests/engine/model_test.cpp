// Forward-pass properties of the LLaVA model on tiny random checkpoints: incremental decoding
// over the cache equals one full forward, batches equal single runs, the attention-statistics
// path equals the fast path, and an independent Python reference gives the same logits.
#include "cache/full_policy.h"
#include "engine/checkpoint/safetensors.h"
#include "engine/model/llava_model.h"
#include "engine/session.h"
#include "engine_test_support.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <cstdlib>
#include <random>

using namespace ec::engine;
using ec::test::expectThrowsWith;

namespace {

constexpr double kTol = 1e-4;

at::Tensor randomImage(const ModelInfo &info, uint64_t seed)
{
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    return at::randn({info.imageChannels, info.imageSize, info.imageSize}, gen, at::kFloat);
}

// Prompt ids: `before` text tokens, then images, then `after` text tokens (ids avoid EOS 2).
UserTurn makeTurn(const ModelInfo &info, int64_t before, int images, int64_t after, uint64_t seed)
{
    UserTurn turn;
    std::mt19937 rng(static_cast<uint32_t>(seed));
    auto text = [&](int64_t n) {
        for (int64_t i = 0; i < n; ++i)
            turn.ids.push_back(3 + static_cast<int64_t>(rng() % 200));
    };
    text(before);
    for (int i = 0; i < images; ++i) {
        turn.ids.insert(turn.ids.end(), info.tokensPerImage, info.imageTokenId);
        turn.images.push_back(randomImage(info, seed * 31 + i));
        text(2);
    }
    text(after);
    return turn;
}

// Logits of every position of one forward over a session's whole history on a fresh cache.
at::Tensor fullForward(VisionLanguageModel &model, const std::vector<int64_t> &ids,
                       const std::vector<at::Tensor> &images)
{
    ec::cache::KvCache cache(model.cacheLayout(1));
    ec::cache::FullPolicy policy(ec::cache::PolicyConfig{});
    ForwardInput in;
    in.ids = at::tensor(ids, at::kLong).view({1, -1});
    if (!images.empty())
        in.pixels = at::cat(images, 0);
    return model.forward(in, cache, policy, 0, ec::cache::Phase::Prefill, LogitsMode::All)
        .logits[0];
}

double maxDiff(const at::Tensor &a, const at::Tensor &b)
{
    return (a - b).abs().max().item<double>();
}

// A Full policy that asks for attention, so the forward takes the column-sums path.
class ObservingPolicy : public ec::cache::FullPolicy
{
public:
    using FullPolicy::FullPolicy;
    bool needsAttention(ec::cache::Phase) const override { return true; }
    void observeAttention(ec::cache::KvCache &cache, int layer, ec::cache::Phase phase,
                          const at::Tensor &colSums) override
    {
        ++calls;
        lastSlots = colSums.size(1);
        EXPECT_EQ(colSums.size(1), cache.size() + cache.pending());
        // Every query row is a distribution: sums over slots add up to queries (x heads / H).
        EXPECT_NEAR(colSums.sum().item<double>(), double(cache.pending() * colSums.size(0)), 1e-3);
    }
    int calls = 0;
    int64_t lastSlots = 0;
};

class TinyModel : public ::testing::Test
{
protected:
    void SetUp() override
    {
        ec::tools::writeTinyModel(dir.path(), ec::test::smallSpec());
        model = loadModel(dir.path(), {"cpu", "f32"});
    }
    ec::test::TempDir dir;
    std::unique_ptr<VisionLanguageModel> model;
};

} // namespace

TEST_F(TinyModel, IncrementalDecodingEqualsFullForwardOverSeveralTurns)
{
    Session session(*model);
    GenerationOptions gen;
    gen.maxNewTokens = 6;
    gen.keepLogits = true;
    gen.stopIds = {};
    struct Row
    {
        int64_t position;
        at::Tensor logits;
    };
    std::vector<Row> rows;
    // Turn 1 with an image, turn 2 text only, turn 3 with two images.
    const std::vector<std::pair<int, int64_t>> turns{{1, 5}, {0, 7}, {2, 3}};
    std::vector<at::Tensor> images; // every image fed, in order
    for (size_t t = 0; t < turns.size(); ++t) {
        const int64_t before = static_cast<int64_t>(session.history().size());
        UserTurn turn = makeTurn(model->info(), 4, turns[t].first, turns[t].second, t + 1);
        for (const at::Tensor &image : turn.images) // batched as the session does
            images.push_back(image.dim() == 3 ? image.unsqueeze(0) : image);
        session.addUserTurn(std::move(turn));
        auto result = session.generate(gen);
        ASSERT_EQ(result.logits.size(1), static_cast<int64_t>(result.tokens[0].size()));
        const int64_t lastPrompt = before + result.stats.promptTokens - 1;
        for (int64_t k = 0; k < result.logits.size(1); ++k)
            rows.push_back({lastPrompt + k, result.logits[0][k]});
        EXPECT_EQ(session.tokensSeen(),
                  before + result.stats.promptTokens + result.stats.decodeTokens);
    }
    const at::Tensor full = fullForward(*model, session.history(), images);
    ASSERT_EQ(full.size(0), session.tokensSeen());
    ASSERT_GT(rows.size(), 12u);
    for (const auto &row : rows)
        EXPECT_LT(maxDiff(row.logits, full[row.position]), kTol) << "position " << row.position;
    // The logits are not trivially equal across positions (the check could fail).
    EXPECT_GT(maxDiff(full[3], full[4]), 1e-2);
}

TEST_F(TinyModel, DecodedTokensAreTheGreedyChoicesOfTheFullForward)
{
    Session session(*model);
    UserTurn turn = makeTurn(model->info(), 3, 1, 4, 9);
    std::vector<at::Tensor> images; // as the session batches them
    for (const at::Tensor &image : turn.images)
        images.push_back(image.dim() == 3 ? image.unsqueeze(0) : image);
    session.addUserTurn(std::move(turn));
    GenerationOptions gen;
    gen.maxNewTokens = 8;
    auto result = session.generate(gen);
    const auto &h = session.history();
    const at::Tensor full = fullForward(*model, h, images);
    const int64_t promptEnd = result.stats.promptTokens - 1;
    for (size_t k = 0; k + 1 < result.tokens[0].size(); ++k) {
        at::Tensor row = full[promptEnd + static_cast<int64_t>(k)].clone();
        row[model->info().imageTokenId] = -1e30;
        EXPECT_EQ(row.argmax().item<int64_t>(), result.tokens[0][k]) << "step " << k;
    }
}

TEST_F(TinyModel, BatchOfBEqualsBSingleRuns)
{
    constexpr int64_t B = 3;
    SessionOptions batchOptions;
    batchOptions.batch = B;
    Session batch(*model, batchOptions);
    std::vector<UserTurn> turns;
    for (int64_t r = 0; r < B; ++r)
        turns.push_back(makeTurn(model->info(), 3, 1, 5, 100 + r));
    batch.addUserTurns(turns);
    GenerationOptions gen;
    gen.maxNewTokens = 5;
    gen.keepLogits = true;
    auto batched = batch.generate(gen);
    for (int64_t r = 0; r < B; ++r) {
        Session single(*model);
        single.addUserTurn(turns[r]);
        auto one = single.generate(gen);
        const int64_t steps = static_cast<int64_t>(one.tokens[0].size());
        ASSERT_LE(steps, batched.logits.size(1));
        EXPECT_EQ(
            std::vector<int64_t>(batched.tokens[r].begin(), batched.tokens[r].begin() + steps),
            one.tokens[0])
            << "row " << r;
        EXPECT_LT(maxDiff(batched.logits[r].narrow(0, 0, steps), one.logits[0]), kTol);
    }
    EXPECT_GT(maxDiff(batched.logits[0][0], batched.logits[1][0]), 1e-2);
}

TEST_F(TinyModel, AttentionStatisticsPathEqualsFastPath)
{
    const auto turn = makeTurn(model->info(), 5, 1, 6, 4);
    ForwardInput in;
    in.ids = at::tensor(turn.ids, at::kLong).view({1, -1});
    in.pixels = turn.images[0].unsqueeze(0);
    const int64_t n = in.ids.size(1);
    ec::cache::KvCache fastCache(model->cacheLayout(1)), statCache(model->cacheLayout(1));
    ec::cache::FullPolicy fast(ec::cache::PolicyConfig{});
    ObservingPolicy observing(ec::cache::PolicyConfig{});
    auto a = model->forward(in, fastCache, fast, 0, ec::cache::Phase::Prefill, LogitsMode::All);
    auto b =
        model->forward(in, statCache, observing, 0, ec::cache::Phase::Prefill, LogitsMode::All);
    EXPECT_LT(maxDiff(a.logits, b.logits), kTol);
    EXPECT_EQ(observing.calls, model->info().layers);
    // A decode step on top of the prefix also agrees.
    ForwardInput step;
    step.ids = at::tensor(std::vector<int64_t>{17}, at::kLong).view({1, 1});
    auto c = model->forward(step, fastCache, fast, n, ec::cache::Phase::Decode, LogitsMode::Last);
    auto d =
        model->forward(step, statCache, observing, n, ec::cache::Phase::Decode, LogitsMode::Last);
    EXPECT_LT(maxDiff(c.logits, d.logits), kTol);
    EXPECT_EQ(observing.lastSlots, n + 1);
}

TEST_F(TinyModel, ImageCountMismatchIsRejectedAndTheConversationSurvives)
{
    Session session(*model);
    auto turn = makeTurn(model->info(), 2, 2, 2, 5);
    turn.images.pop_back();
    expectThrowsWith([&] { session.addUserTurn(turn); },
                     {"72 image-token positions (2 image(s))", "1 image(s) were given",
                      "one image per <image> marker"});
    auto single = turn;
    single.ids = {5, model->info().imageTokenId, 6};
    expectThrowsWith([&] { session.addUserTurn(single); },
                     {"1 image-token positions", "not a multiple of 36"});
    auto badShape = makeTurn(model->info(), 2, 1, 2, 6);
    badShape.images[0] = at::zeros({3, 8, 8});
    expectThrowsWith([&] { session.addUserTurn(badShape); }, {"[3, 12, 12]"});
    // Model level: the splice itself refuses mismatched counts and leaves the cache alone.
    ec::cache::KvCache cache(model->cacheLayout(1));
    ec::cache::FullPolicy policy(ec::cache::PolicyConfig{});
    ForwardInput in;
    in.ids = at::tensor(turn.ids, at::kLong).view({1, -1});
    in.pixels = at::stack(turn.images, 0);
    expectThrowsWith(
        [&] { model->forward(in, cache, policy, 0, ec::cache::Phase::Prefill, LogitsMode::Last); },
        {"72 image-token positions (id 250)", "1 image(s) give 36 features"});
    EXPECT_EQ(cache.size(), 0);
    // The session still works after the errors.
    session.addUserTurn(makeTurn(model->info(), 2, 1, 2, 7));
    GenerationOptions gen;
    gen.maxNewTokens = 2;
    EXPECT_FALSE(session.generate(gen).tokens[0].empty());
}

TEST_F(TinyModel, ExpandImageMarkersGivesTheExpandedForm)
{
    const auto &info = model->info();
    auto ids = expandImageMarkers({1, info.imageTokenId, 9, info.imageTokenId}, info.imageTokenId,
                                  info.tokensPerImage);
    EXPECT_EQ(static_cast<int64_t>(ids.size()), 2 + 2 * info.tokensPerImage);
    EXPECT_EQ(ids.front(), 1);
    EXPECT_EQ(ids[1 + info.tokensPerImage], 9);
}

TEST(ModelVariants, FeatureLayerListsFullStrategyTiedHeadAndNoProjectorBiasStayIncremental)
{
    ec::test::TempDir dir;
    auto spec = ec::test::smallSpec();
    spec.featureLayers = {-1, -3};
    spec.selectStrategy = "full";
    spec.tieWordEmbeddings = true;
    spec.projectorBias = false;
    spec.textKvHeads = 1;
    ec::tools::writeTinyModel(dir.path(), spec);
    auto model = loadModel(dir.path(), {"cpu", "f32"});
    EXPECT_EQ(model->info().tokensPerImage, 37);
    Session session(*model);
    UserTurn turn = makeTurn(model->info(), 2, 1, 3, 11);
    std::vector<at::Tensor> images; // as the session batches them
    for (const at::Tensor &image : turn.images)
        images.push_back(image.dim() == 3 ? image.unsqueeze(0) : image);
    session.addUserTurn(std::move(turn));
    GenerationOptions gen;
    gen.maxNewTokens = 4;
    gen.keepLogits = true;
    auto r = session.generate(gen);
    const at::Tensor full = fullForward(*model, session.history(), images);
    const int64_t last = r.stats.promptTokens - 1;
    for (int64_t k = 0; k < r.logits.size(1); ++k)
        EXPECT_LT(maxDiff(r.logits[0][k], full[last + k]), kTol);
}

TEST(ModelVariants, Bf16RunsCloseToF32)
{
    ec::test::TempDir dir;
    ec::tools::writeTinyModel(dir.path(), ec::test::smallSpec());
    auto f32 = loadModel(dir.path(), {"cpu", "f32"});
    auto bf16 = loadModel(dir.path(), {"cpu", "bf16"});
    const auto turn = makeTurn(f32->info(), 3, 1, 3, 12);
    const at::Tensor a = fullForward(*f32, turn.ids, {turn.images[0].unsqueeze(0)});
    const at::Tensor b = fullForward(*bf16, turn.ids, {turn.images[0].unsqueeze(0)});
    const double scale = a.abs().max().item<double>();
    EXPECT_LT(maxDiff(a, b) / scale, 0.1);
    EXPECT_GT(maxDiff(a, b), 0.0) << "bf16 really ran in bf16";
}

// The independent oracle: a plain-torch Python reference of the forward (tests/engine/oracle).
TEST(PythonOracle, LogitsMatchTheReferenceImplementation)
{
    if (std::system("/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "Debian python3-torch (/usr/bin/python3) is not installed";
    ec::test::TempDir dir;
    struct Case
    {
        std::string name;
        ec::tools::TinyModelSpec spec;
    };
    std::vector<Case> cases;
    cases.push_back({"gqa-legacy", ec::test::smallSpec()});
    auto v = ec::test::smallSpec();
    v.featureLayers = {-2, -3};
    v.selectStrategy = "full";
    v.tieWordEmbeddings = true;
    v.dtype = "BF16";
    v.names = ec::engine::checkpoint::NameScheme::Modern;
    v.shards = 2;
    v.ropeTheta = 500.0;
    cases.push_back({"variants", v});
    for (auto &c : cases) {
        const auto modelDir = dir / c.name;
        ec::tools::writeTinyModel(modelDir, c.spec);
        auto model = loadModel(modelDir, {"cpu", "f32"});
        const auto turn = makeTurn(model->info(), 4, 2, 5, 21);
        at::Tensor pixels = at::stack(turn.images, 0);
        ec::engine::checkpoint::writeSafetensors(dir / "pixels.safetensors",
                                                 {{"pixel_values", pixels}});
        std::string ids;
        for (int64_t id : turn.ids)
            ids += (ids.empty() ? "" : ",") + std::to_string(id);
        const std::string cmd = std::string("/usr/bin/python3 ") + EC_TEST_SOURCE_DIR +
                                "/tests/engine/oracle/llava_reference.py " + modelDir.string() +
                                " " + ids + " " + (dir / "pixels.safetensors").string() + " " +
                                (dir / "oracle.safetensors").string();
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        ec::engine::checkpoint::SafetensorsFile out(dir / "oracle.safetensors");
        const at::Tensor expected = out.view("logits");
        const at::Tensor actual = fullForward(*model, turn.ids, {pixels});
        ASSERT_EQ(expected.sizes(), actual.sizes()) << c.name;
        EXPECT_LT(maxDiff(expected, actual), kTol) << c.name;
        EXPECT_GT(expected.abs().max().item<double>(), 0.5) << "logits are not degenerate";
    }
}
