#include "lab/eval/fidelity.h"

#include <cmath>
#include <gtest/gtest.h>
#include <vector>

using namespace ec::eval;

TEST(Fidelity, KlOfIdenticalAndShiftedLogitsIsZero)
{
    std::vector<float> p = {0.5f, -1.0f, 2.0f};
    std::vector<float> shifted = {10.5f, 9.0f, 12.0f}; // same softmax
    EXPECT_NEAR(klDivergence(p, p), 0.0, 1e-15);
    EXPECT_NEAR(klDivergence(p, shifted), 0.0, 1e-12);
}

TEST(Fidelity, KlMatchesHandComputedValue)
{
    // P = (1/2, 1/2), Q = (1/4, 3/4): KL = 1/2 ln 2 + 1/2 ln(2/3).
    std::vector<float> p = {0.0f, 0.0f};
    std::vector<float> q = {0.0f, static_cast<float>(std::log(3.0))};
    const double expected = 0.5 * std::log(2.0) + 0.5 * std::log(2.0 / 3.0);
    EXPECT_NEAR(klDivergence(p, q), expected, 1e-7);
    // Not symmetric: KL(Q||P) = 1/4 ln(1/2) + 3/4 ln(3/2).
    EXPECT_NEAR(klDivergence(q, p), 0.25 * std::log(0.5) + 0.75 * std::log(1.5), 1e-7);
}

TEST(Fidelity, KlRejectsDifferentVocabularies)
{
    std::vector<float> a = {0.0f, 1.0f}, b = {0.0f, 1.0f, 2.0f};
    EXPECT_THROW(klDivergence(a, b), std::invalid_argument);
}

TEST(Fidelity, Top1AgreementAndMeanKl)
{
    FidelityAccumulator acc;
    std::vector<float> ref = {0.0f, 3.0f, 1.0f};
    std::vector<float> same = {0.0f, 2.0f, 1.0f};  // same argmax
    std::vector<float> other = {4.0f, 2.0f, 1.0f}; // different argmax
    acc.add(ref, same);
    acc.add(ref, other);
    acc.add(ref, ref);
    EXPECT_EQ(acc.positions(), 3);
    EXPECT_EQ(acc.top1Agreements(), 2);
    EXPECT_NEAR(acc.top1Agreement(), 2.0 / 3.0, 1e-15);
    const double expected = (klDivergence(ref, same) + klDivergence(ref, other)) / 3.0;
    EXPECT_NEAR(acc.meanKl(), expected, 1e-15);
    EXPECT_GT(acc.meanKl(), 0.1);
}

TEST(Fidelity, ArgmaxTieTakesLowestIndex)
{
    std::vector<float> tie = {1.0f, 3.0f, 3.0f};
    EXPECT_EQ(argmaxToken(tie), 1);
}

TEST(Fidelity, EmptyAccumulatorIsNanAndInconsistentSumsThrow)
{
    FidelityAccumulator acc;
    EXPECT_TRUE(std::isnan(acc.meanKl()));
    EXPECT_TRUE(std::isnan(acc.top1Agreement()));
    EXPECT_THROW(acc.addSums(0.1, 3, 2), std::invalid_argument);
}
