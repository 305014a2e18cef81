// Local (StreamingLLM) and H2O against brute-force expectations.
#include "cache/h2o_policy.h"
#include "cache_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

using namespace ec;

namespace {
std::set<int64_t> liveTokens(const cache::KvCache &kv, int layer, int64_t b)
{
    auto t = kv.tokenIndex(layer)[b].narrow(0, 0, kv.size()).contiguous();
    return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + kv.size()};
}
} // namespace

TEST(LocalPolicy, KeepsExactlySinksAndMostRecent)
{
    std::mt19937 rng(5);
    for (int trial = 0; trial < 20; ++trial) {
        const int64_t T = std::uniform_int_distribution<int>(8, 120)(rng);
        const int64_t s = trial % 5;
        const double keep = std::uniform_real_distribution<double>(0.05, 1.0)(rng);
        auto policy = cache::makePolicy(test::config("local", keep, s));
        cache::KvCache kv(test::layout(2, 2, 1, 2), 16);
        int64_t seen = 0;
        test::forward(kv, *policy, T, 0, cache::Phase::Prefill);
        seen = T;
        for (int step = 0; step < 30; ++step, ++seen) {
            if (step > 0)
                test::forward(kv, *policy, 1, seen - 1 + 0, cache::Phase::Decode);
            const int64_t goal = policy->config().budget.targetEntries(seen, 1, s + 1);
            ASSERT_EQ(kv.size(), goal);
            std::set<int64_t> expected;
            for (int64_t t = 0; t < std::min(s, goal - 1); ++t)
                expected.insert(t);
            for (int64_t t = seen - (goal - (int64_t)expected.size()); t < seen; ++t)
                expected.insert(t);
            for (int l = 0; l < 2; ++l)
                for (int64_t b = 0; b < 2; ++b)
                    ASSERT_EQ(liveTokens(kv, l, b), expected) << "trial " << trial;
        }
    }
}

TEST(H2oPolicy, KeepsRecentWindowAndHeavyHitters)
{
    std::mt19937 rng(8);
    for (int trial = 0; trial < 20; ++trial) {
        const int64_t T = std::uniform_int_distribution<int>(10, 100)(rng);
        const double keep = std::uniform_real_distribution<double>(0.1, 0.9)(rng);
        auto cfg = test::config("h2o", keep);
        cfg.recentWindow = trial % 2 ? 4 : 0;
        auto policy = cache::makePolicy(cfg);
        auto &h2o = dynamic_cast<cache::H2oPolicy &>(*policy);
        cache::KvCache kv(test::layout(2, 1, 1, 2), 16);
        auto importance = at::rand({2, 1, T});
        test::forward(kv, *policy, T, 0, cache::Phase::Prefill, importance);
        const int64_t goal = cfg.budget.targetEntries(T, 1, 1);
        ASSERT_EQ(kv.size(), goal);
        const int64_t recent = h2o.recentWindow(goal);
        for (int l = 0; l < 2; ++l) {
            std::vector<int64_t> others;
            for (int64_t t = 0; t < T - recent; ++t)
                others.push_back(t);
            auto imp = importance[l][0];
            std::stable_sort(others.begin(), others.end(), [&](int64_t a, int64_t b) {
                return imp[a].item<float>() > imp[b].item<float>();
            });
            std::set<int64_t> expected(others.begin(), others.begin() + (goal - recent));
            for (int64_t t = T - recent; t < T; ++t)
                expected.insert(t);
            EXPECT_EQ(liveTokens(kv, l, 0), expected) << "trial " << trial << " layer " << l;
        }
        // Decode: the lightest entry outside the window goes; the window stays whole.
        for (int64_t step = 0; step < 15; ++step) {
            const int64_t n = T + step + 1;
            test::forward(kv, *policy, 1, T + step, cache::Phase::Decode);
            const int64_t g = cfg.budget.targetEntries(n, 1, 1);
            ASSERT_EQ(kv.size(), g);
            auto live = liveTokens(kv, 0, 0);
            for (int64_t t = n - h2o.recentWindow(g); t < n; ++t)
                EXPECT_TRUE(live.count(t)) << "recent token " << t << " evicted";
        }
    }
}

TEST(CachePolicy, FactoryRejectsUnknownNamesWithTheList)
{
    try {
        cache::makePolicy(test::config("streaming", 0.5));
        FAIL() << "no exception";
    } catch (const std::invalid_argument &e) {
        EXPECT_NE(std::string(e.what()).find("elastic-ref"), std::string::npos);
    }
}

TEST(CachePolicy, PositionsAreTrueByDefaultAndCompactForReference)
{
    cache::KvCache kv(test::layout(1, 1, 1, 2));
    auto elastic = cache::makePolicy(test::config("elastic", 0.5));
    auto ref = cache::makePolicy(test::config("elastic-ref", 0.5));
    test::forward(kv, *elastic, 10, 0, cache::Phase::Prefill);
    EXPECT_EQ(kv.size(), 5);
    EXPECT_EQ(elastic->firstPosition(kv, 10), 10);
    EXPECT_EQ(ref->firstPosition(kv, 10), 5);
    auto cfg = test::config("elastic", 0.5);
    cfg.positions = cache::PositionMode::Compact;
    EXPECT_EQ(cache::makePolicy(cfg)->firstPosition(kv, 10), 5);
}
