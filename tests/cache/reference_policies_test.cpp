// The reference-code reproductions against the hand-computed cases of the paper record
// (elastic-cache-paper.md §2.2, §3, §4).
#include "lab/reference_policies/reference_policies.h"
#include "cache_fixture.h"

#include <gtest/gtest.h>

using namespace ec;

namespace {
std::vector<int64_t> tokens(const cache::KvCache &kv, int layer = 0)
{
    auto t = kv.tokenIndex(layer)[0].narrow(0, 0, kv.size()).contiguous();
    return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + kv.size()};
}
} // namespace

TEST(ReferencePolicies, EvictCountTruncatesLikePython)
{
    EXPECT_EQ(cache::referenceEvictCount(640, 640, 1.0 - 0.8), 512);
    EXPECT_EQ(cache::referenceEvictCount(128, 641, 1.0 - 0.8), 0);  // int(-0.2) == 0
    EXPECT_EQ(cache::referenceEvictCount(130, 643, 1.0 - 0.8), 1);
    EXPECT_EQ(cache::referenceEvictCount(40, 40, 0.5), 20);
}

TEST(ElasticRef, MonotoneScoresT40KeepsFirst18AndLast)
{
    at::manual_seed(0);
    cache::KvCache kv(test::layout(1, 1, 1, 3));
    auto policy = cache::makePolicy(test::config("elastic-ref", 0.5, 1));
    auto importance = (40 - at::arange(40, at::kFloat)).view({1, 1, 40}); // decreasing
    auto f = test::forward(kv, *policy, 40, 0, cache::Phase::Prefill, importance);
    std::vector<int64_t> expected;
    for (int64_t t = 0; t <= 17; ++t)
        expected.push_back(t);
    expected.push_back(39);
    ASSERT_EQ(tokens(kv), expected); // S - f - 1 = 19 kept
    // "Thrown" = {17..37}, all into anchor 17, which is counted twice: (2 k17 + k18..k37) / 22.
    auto k = f.keys[0][0].to(at::kDouble);
    auto expect17 = (2 * k.select(1, 17) + k.narrow(1, 18, 20).sum(1)) / 22.0;
    EXPECT_TRUE(at::allclose(kv.liveKeys(0)[0].select(1, 17).to(at::kDouble), expect17, 1e-6));
    // Token 38 is dropped without being merged; anchors 0..16 are untouched.
    EXPECT_TRUE(at::equal(kv.liveKeys(0)[0].narrow(1, 0, 17), f.keys[0][0].narrow(1, 0, 17)));
    EXPECT_EQ(f.stats.merged, 20);  // 18..37
    EXPECT_EQ(f.stats.evicted, 1);  // 38
    EXPECT_EQ(dynamic_cast<cache::ElasticRefPolicy &>(*policy).fixIndex(), 40 - 20 - 25);
}

TEST(ElasticRef, CompactPositionsRepeatAfterEvictions)
{
    cache::KvCache kv(test::layout(1, 1, 1, 2), 64);
    auto policy = cache::makePolicy(test::config("elastic-ref", 1.0 - 0.8, 1));
    auto importance = (640 - at::arange(640, at::kFloat)).view({1, 1, 640});
    test::forward(kv, *policy, 640, 0, cache::Phase::Prefill, importance);
    ASSERT_EQ(kv.size(), 127);
    EXPECT_EQ(dynamic_cast<cache::ElasticRefPolicy &>(*policy).fixIndex(), 103);
    std::vector<int64_t> positions;
    for (int64_t step = 0; step < 12; ++step) {
        positions.push_back(policy->firstPosition(kv, 640 + step));
        test::forward(kv, *policy, 1, 640 + step, cache::Phase::Decode);
    }
    EXPECT_EQ(positions, (std::vector<int64_t>{127, 128, 129, 129, 129, 129, 130, 130, 130, 130,
                                               130, 131}));
}

TEST(ElasticRef, FixedPointDeletesTheEntryAtFixIdx)
{
    cache::KvCache kv(test::layout(1, 1, 1, 2), 64);
    auto policy = cache::makePolicy(test::config("elastic-ref", 1.0 - 0.8, 1));
    auto importance = (640 - at::arange(640, at::kFloat)).view({1, 1, 640});
    test::forward(kv, *policy, 640, 0, cache::Phase::Prefill, importance);
    std::vector<int64_t> model = tokens(kv);
    for (int64_t step = 0; step < 30; ++step) {
        auto before = kv.size();
        test::forward(kv, *policy, 1, 640 + step, cache::Phase::Decode);
        model.push_back(640 + step);
        if (kv.size() == before)
            model.erase(model.begin() + 103);
        auto got = tokens(kv);
        EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()),
                  std::set<int64_t>(model.begin(), model.end()));
    }
}

TEST(H2oRef, KeepsRanksNotTopScores)
{
    cache::KvCache kv(test::layout(1, 1, 1, 2));
    auto policy = cache::makePolicy(test::config("h2o-ref", 0.5, 1));
    // score[0..8] = 5 1 9 3 7 2 8 0 6; argsort = 7 1 5 3 0 8 4 6 2; entries > f=5 sit at ranks
    // 0, 5 and 7, so the reference keeps positions {0, 5, 7} and the last, not the top {2, 4, 6}.
    auto importance = at::tensor({5.f, 1.f, 9.f, 3.f, 7.f, 2.f, 8.f, 0.f, 6.f, 4.f}).view({1, 1, 10});
    test::forward(kv, *policy, 10, 0, cache::Phase::Prefill, importance);
    EXPECT_EQ(tokens(kv), (std::vector<int64_t>{0, 5, 7, 9}));
    // Q5: the score vector is not compacted.
    auto &h2o = dynamic_cast<cache::H2oRefPolicy &>(*policy);
    EXPECT_FLOAT_EQ(h2o.scores()[2], 9.f);
}

TEST(LocalRef, DropsTheFOldestAfterTheSinks)
{
    cache::KvCache kv(test::layout(1, 1, 1, 2));
    auto policy = cache::makePolicy(test::config("local-ref", 0.5, 1));
    test::forward(kv, *policy, 40, 0, cache::Phase::Prefill);
    std::vector<int64_t> expected{0};
    for (int64_t t = 21; t < 40; ++t)
        expected.push_back(t);
    EXPECT_EQ(tokens(kv), expected); // S - f = 20, one more than Elastic/H2O
    // Decode: f == 1 drops logical index s = 1, the oldest non-sink.
    test::forward(kv, *policy, 1, 40, cache::Phase::Decode); // 21 - 20.5 -> f = 0
    test::forward(kv, *policy, 1, 41, cache::Phase::Decode); // 22 - 21 -> f = 1
    auto got = tokens(kv);
    EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()).count(21), 0u);
    EXPECT_EQ(kv.size(), 21);
}

TEST(ReferencePolicies, RejectBatches)
{
    cache::KvCache kv(test::layout(1, 2, 1, 2));
    auto policy = cache::makePolicy(test::config("local-ref", 0.5, 1));
    EXPECT_THROW(test::forward(kv, *policy, 10, 0, cache::Phase::Prefill), std::invalid_argument);
}
