#include "kernels/attention_stats.h"

#include <ATen/ATen.h>
#include <cmath>
#include <gtest/gtest.h>
#include <tuple>

namespace {

// Plain ATen reference: materialise every probability, then reduce.
std::pair<at::Tensor, at::Tensor> reference(const at::Tensor &q, const at::Tensor &k,
                                            const at::Tensor &v, double scale)
{
    const int64_t H = q.size(1), Tq = q.size(2), Hkv = k.size(1), Tk = k.size(2);
    auto kr = k.repeat_interleave(H / Hkv, 1).to(at::kDouble);
    auto vr = v.repeat_interleave(H / Hkv, 1).to(at::kDouble);
    auto scores = at::matmul(q.to(at::kDouble), kr.transpose(-1, -2)) * scale;
    auto mask = at::ones({Tq, Tk}, at::kBool).triu(Tk - Tq + 1);
    scores.masked_fill_(mask, -INFINITY);
    auto probs = at::softmax(scores, -1);
    return {at::matmul(probs, vr), probs.sum(2).mean(1)};
}

class AttentionStatsTest : public ::testing::TestWithParam<std::tuple<int, int, int, int, int, int>>
{
};

TEST_P(AttentionStatsTest, FusedMatchesMaterialisedReference)
{
    auto [B, H, Hkv, Tq, prefix, chunk] = GetParam();
    at::manual_seed(B * 1000 + Tq);
    const int64_t D = 16, Tk = Tq + prefix;
    auto q = at::randn({B, H, Tq, D});
    auto k = at::randn({B, Hkv, Tk, D});
    auto v = at::randn({B, Hkv, Tk, D});
    const double scale = 1.0 / 4.0;
    auto [refOut, refCols] = reference(q, k, v, scale);

    auto got = ec::kernels::attentionWithColumnSums(q, k, v, scale, chunk);
    EXPECT_TRUE(at::allclose(got.output.to(at::kDouble), refOut, 1e-5, 1e-5));
    ASSERT_EQ(got.columnSums.sizes(), at::IntArrayRef({B, Tk}));
    EXPECT_TRUE(at::allclose(got.columnSums.to(at::kDouble), refCols, 1e-5, 1e-4));
    // Each query row sums to one, so the head-averaged column sums add up to Tq.
    EXPECT_NEAR(got.columnSums.sum().item<double>(), double(B * Tq), 1e-3 * B * Tq);

    auto scores = at::matmul(q.to(at::kDouble),
                             k.repeat_interleave(H / Hkv, 1).to(at::kDouble).transpose(-1, -2)) *
                  scale;
    scores.masked_fill_(at::ones({Tq, Tk}, at::kBool).triu(Tk - Tq + 1), -INFINITY);
    auto lse = at::logsumexp(scores, -1).to(at::kFloat);
    auto cols = ec::kernels::attentionColumnSumsFromLse(q, k, lse, scale, chunk);
    EXPECT_TRUE(at::allclose(cols.to(at::kDouble), refCols, 1e-4, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionStatsTest,
                         ::testing::Values(std::make_tuple(1, 4, 4, 9, 0, 4),
                                           std::make_tuple(2, 4, 2, 17, 5, 8),
                                           std::make_tuple(1, 8, 1, 1, 30, 128),
                                           std::make_tuple(3, 6, 3, 33, 0, 7)));

class ColumnSumsDtypeTest : public ::testing::TestWithParam<at::ScalarType>
{
};

TEST_P(ColumnSumsDtypeTest, FromLseMatchesReferenceOnRoundedInputs)
{
    // Storage dtypes of the cache: the reference sees the same rounded inputs in double.
    at::manual_seed(11);
    const int64_t B = 2, H = 8, Hkv = 2, Tq = 45, Tk = 70, D = 32;
    auto q = at::randn({B, H, Tq, D}).to(GetParam());
    auto k = at::randn({B, Hkv, Tk, D}).to(GetParam());
    const double scale = 1.0 / std::sqrt(double(D));
    auto kr = k.repeat_interleave(H / Hkv, 1).to(at::kDouble);
    auto scores = at::matmul(q.to(at::kDouble), kr.transpose(-1, -2)) * scale;
    scores.masked_fill_(at::ones({Tq, Tk}, at::kBool).triu(Tk - Tq + 1), -INFINITY);
    auto lse = at::logsumexp(scores, -1);
    auto refCols = (scores - lse.unsqueeze(-1)).exp().sum(2).mean(1);

    auto cols = ec::kernels::attentionColumnSumsFromLse(q, k, lse.to(at::kFloat), scale, 16);
    ASSERT_EQ(cols.scalar_type(), at::kFloat);
    EXPECT_TRUE(at::allclose(cols.to(at::kDouble), refCols, 1e-4, 1e-4));
    // The prefix keys are seen by every query, the last key only by the last query.
    EXPECT_GT(cols[0][0].item<double>(), cols[0][Tk - 1].item<double>());
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ColumnSumsDtypeTest,
                         ::testing::Values(at::kFloat, at::kHalf, at::kBFloat16));

TEST(AttentionStats, RejectsMismatchedHeads)
{
    auto q = at::randn({1, 3, 4, 8});
    auto k = at::randn({1, 2, 4, 8});
    EXPECT_THROW(ec::kernels::attentionWithColumnSums(q, k, k, 1.0), std::invalid_argument);
}

} // namespace
