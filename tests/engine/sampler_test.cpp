#include "engine/sampler.h"

#include <cmath>
#include <gtest/gtest.h>
#include <map>
#include <stdexcept>
#include <vector>

using ec::engine::Sampler;
using ec::engine::SamplerOptions;

namespace {

const std::vector<float> kLogits{0.1f, 2.0f, 1.9f, -1.0f, 0.5f, 1.95f};

std::vector<int64_t> draw(const SamplerOptions &o, int n)
{
    Sampler s(o);
    std::vector<int64_t> out;
    for (int i = 0; i < n; ++i)
        out.push_back(s.sample(kLogits.data(), static_cast<int64_t>(kLogits.size()), {}));
    return out;
}

} // namespace

TEST(Sampler, GreedyTakesTheArgmaxAndTheLowestIdOnTies)
{
    Sampler s;
    EXPECT_EQ(s.sample(kLogits.data(), 6, {}), 1);
    const std::vector<float> tie{1.0f, 3.0f, 3.0f};
    EXPECT_EQ(s.sample(tie.data(), 3, {}), 1);
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens)
{
    SamplerOptions o;
    o.temperature = 1.0;
    o.seed = 42;
    const auto a = draw(o, 64), b = draw(o, 64);
    EXPECT_EQ(a, b);
    o.seed = 43;
    EXPECT_NE(draw(o, 64), a);
}

TEST(Sampler, FrequenciesFollowTheSoftmax)
{
    SamplerOptions o;
    o.temperature = 1.0;
    o.seed = 7;
    std::map<int64_t, int> counts;
    for (int64_t t : draw(o, 20000))
        ++counts[t];
    double z = 0;
    for (float l : kLogits)
        z += std::exp(l);
    for (size_t i = 0; i < kLogits.size(); ++i)
        EXPECT_NEAR(counts[static_cast<int64_t>(i)] / 20000.0, std::exp(kLogits[i]) / z, 0.015)
            << "id " << i;
}

TEST(Sampler, TopKAndTopPRestrictTheCandidates)
{
    SamplerOptions o;
    o.temperature = 5.0; // flat enough that every id would appear without limits
    o.topK = 2;
    for (int64_t t : draw(o, 500))
        EXPECT_TRUE(t == 1 || t == 5) << t;
    o.topK = 0;
    o.topP = 0.5; // at temperature 5 the top three ids hold about 0.5 of the mass
    std::map<int64_t, int> seen;
    for (int64_t t : draw(o, 2000))
        ++seen[t];
    EXPECT_EQ(seen.count(3), 0u);
    EXPECT_EQ(seen.count(0), 0u);
    EXPECT_GT(seen[1], 0);
    o.topP = 1e-9; // only the best token
    for (int64_t t : draw(o, 50))
        EXPECT_EQ(t, 1);
}

TEST(Sampler, RepetitionPenaltyFollowsTheHfRule)
{
    SamplerOptions o;
    o.repetitionPenalty = 1.1;
    Sampler s(o);
    // 2.0 / 1.1 < 1.95: the penalised best id loses to id 5.
    EXPECT_EQ(s.sample(kLogits.data(), 6, {1, 1}), 5);
    const std::vector<float> negative{-1.0f, -1.05f};
    // Negative logits are multiplied: -1.0 * 1.1 = -1.1 < -1.05.
    EXPECT_EQ(s.sample(negative.data(), 2, {0}), 1);
}

TEST(Sampler, RejectsInvalidOptions)
{
    SamplerOptions o;
    o.topP = 0;
    EXPECT_THROW(Sampler{o}, std::invalid_argument);
    o = {};
    o.temperature = -1;
    EXPECT_THROW(Sampler{o}, std::invalid_argument);
}
