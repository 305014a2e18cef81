#include "lab/eval/perplexity.h"

#include <cmath>
#include <gtest/gtest.h>
#include <vector>

using ec::eval::PerplexityAccumulator;
using ec::eval::scoredAnswerTokens;
using ec::eval::tokenNll;

TEST(Perplexity, TokenNllIsNegativeLogSoftmax)
{
    // Uniform over 4 tokens: -log(1/4).
    std::vector<float> uniform(4, 2.5f);
    EXPECT_NEAR(tokenNll(uniform, 3), std::log(4.0), 1e-12);
    // logits (0, ln 3): p = (1/4, 3/4).
    std::vector<float> skewed = {0.0f, static_cast<float>(std::log(3.0))};
    EXPECT_NEAR(tokenNll(skewed, 0), std::log(4.0), 1e-6);
    EXPECT_NEAR(tokenNll(skewed, 1), std::log(4.0 / 3.0), 1e-6);
    // Large logits must not overflow.
    std::vector<float> large = {1000.0f, 1000.0f};
    EXPECT_NEAR(tokenNll(large, 0), std::log(2.0), 1e-12);
}

TEST(Perplexity, TokenNllRejectsBadInput)
{
    std::vector<float> logits = {0.0f, 1.0f};
    EXPECT_THROW(tokenNll(logits, 2), std::out_of_range);
    EXPECT_THROW(tokenNll(logits, -1), std::out_of_range);
    std::vector<float> bad = {0.0f, NAN};
    EXPECT_THROW(tokenNll(bad, 0), std::invalid_argument);
}

TEST(Perplexity, LastAnswerTokenIsNeverScored)
{
    EXPECT_EQ(scoredAnswerTokens(0), 0);
    EXPECT_EQ(scoredAnswerTokens(1), 0); // a one-token answer contributes nothing
    EXPECT_EQ(scoredAnswerTokens(2), 1);
    EXPECT_EQ(scoredAnswerTokens(57), 56);
}

TEST(Perplexity, PoolsOverTokensNotSamples)
{
    // Sample A: 1 token with NLL 2; sample B: 3 tokens with NLL 0.
    PerplexityAccumulator a, b, all;
    a.add(2.0);
    for (int i = 0; i < 3; ++i)
        b.add(0.0);
    all.merge(a);
    all.merge(b);
    EXPECT_EQ(all.tokens(), 4);
    EXPECT_DOUBLE_EQ(all.nllSum(), 2.0);
    EXPECT_NEAR(all.perplexity(), std::exp(0.5), 1e-12);
    // The mean of per-sample perplexities would be (e^2 + 1) / 2 = 4.19, not e^0.5 = 1.65.
    EXPECT_GT(std::fabs(all.perplexity() - (a.perplexity() + b.perplexity()) / 2), 2.0);
}

TEST(Perplexity, EmptyIsNanAndBadSumsThrow)
{
    PerplexityAccumulator acc;
    EXPECT_TRUE(std::isnan(acc.perplexity()));
    EXPECT_THROW(acc.addSums(1.0, -1), std::invalid_argument);
    EXPECT_THROW(acc.add(INFINITY), std::invalid_argument);
}
