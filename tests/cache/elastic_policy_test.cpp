// Property tests of the corrected Elastic Cache against a brute-force oracle in plain C++.
#include "cache/elastic_policy.h"
#include "cache_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

using namespace ec;

namespace {

struct Case
{
    int64_t layers, batch, heads, dim, tokens, sinks;
    double keep;
};

Case randomCase(std::mt19937 &rng)
{
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    Case c{pick(1, 3), pick(1, 2), pick(1, 3), pick(2, 6), pick(6, 90), 0, 0};
    c.sinks = std::min<int64_t>(pick(0, 4), c.tokens - 2);
    c.keep = std::uniform_real_distribution<double>(0.02, 1.0)(rng);
    return c;
}

// Oracle: the sinks and the `recent` newest tokens stay as they are; anchors are the top-M middle
// tokens by importance (earlier token on ties); every other middle token joins its nearest anchor
// by index, ties to the left.
std::map<int64_t, std::vector<int64_t>> oracleBuckets(const std::vector<float> &imp,
                                                      int64_t sinks, int64_t recent,
                                                      int64_t target)
{
    const int64_t T = imp.size(), M = target - sinks - recent;
    std::vector<int64_t> middle;
    for (int64_t t = sinks; t < T - recent; ++t)
        middle.push_back(t);
    std::map<int64_t, std::vector<int64_t>> buckets;
    for (int64_t t = 0; t < sinks; ++t)
        buckets[t] = {t};
    for (int64_t t = T - recent; t < T; ++t)
        buckets[t] = {t};
    if (M <= 0)
        return buckets;
    auto ranked = middle;
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](int64_t a, int64_t b) { return imp[a] > imp[b]; });
    std::vector<int64_t> anchors(ranked.begin(), ranked.begin() + M);
    std::sort(anchors.begin(), anchors.end());
    for (int64_t t : middle) {
        int64_t best = anchors[0];
        for (int64_t a : anchors)
            if (std::llabs(a - t) < std::llabs(best - t))
                best = a; // strict: the first (leftmost) of equals stays
        buckets[best].push_back(t);
    }
    return buckets;
}

// The recent entries each variant keeps unmerged after one prompt of T tokens, computed by hand:
// the paper 1, the product the prompt (all T here) capped at half the target, or a set count;
// never more than the target leaves after the sinks.
int64_t expectedRecent(const std::string &name, int64_t fixedRecent, int64_t T, int64_t target,
                       int64_t sinks)
{
    int64_t r = name == "elastic-paper" ? 1
                : fixedRecent > 0       ? fixedRecent
                                        : std::min(T, target / 2);
    return std::max<int64_t>(1, std::min(r, std::max<int64_t>(1, target - sinks)));
}

} // namespace

TEST(ElasticPolicy, PrefillMatchesBruteForceOracle)
{
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 60; ++trial) {
        auto c = randomCase(rng);
        const std::string name = trial % 3 == 0 ? "elastic-paper" : "elastic";
        const int64_t fixedRecent = trial % 3 == 2 ? 1 + trial % 7 : 0;
        SCOPED_TRACE(name + " trial " + std::to_string(trial) + " T=" + std::to_string(c.tokens) +
                     " keep=" + std::to_string(c.keep) + " s=" + std::to_string(c.sinks) +
                     " recent=" + std::to_string(fixedRecent));
        at::manual_seed(trial);
        cache::KvCache kv(test::layout(c.layers, c.batch, c.heads, c.dim), 16);
        auto cfg = test::config(name, c.keep, c.sinks);
        cfg.elasticRecent = fixedRecent;
        auto policy = cache::makePolicy(cfg);
        auto importance = at::rand({c.layers, c.batch, c.tokens});
        auto f = test::forward(kv, *policy, c.tokens, 0, cache::Phase::Prefill, importance);

        const int64_t target =
            policy->config().budget.targetEntries(c.tokens, 1, c.sinks + 1);
        const int64_t sinks = std::min(c.sinks, target - 1);
        const int64_t recent = expectedRecent(name, fixedRecent, c.tokens, target, sinks);
        ASSERT_EQ(kv.size(), target);
        EXPECT_EQ(f.stats.entriesBefore, c.tokens);
        EXPECT_EQ(f.stats.entriesAfter, target);
        int64_t merged = 0, removed = 0;
        for (int l = 0; l < c.layers; ++l) {
            for (int64_t b = 0; b < c.batch; ++b) {
                auto impRow = importance[l][b].contiguous();
                std::vector<float> imp(impRow.data_ptr<float>(),
                                       impRow.data_ptr<float>() + c.tokens);
                auto buckets = oracleBuckets(imp, sinks, recent, target);
                auto keptTok = kv.tokenIndex(l)[b].narrow(0, 0, target);
                std::vector<int64_t> expectedTok;
                for (auto &[anchor, members] : buckets)
                    expectedTok.push_back(anchor);
                if (static_cast<int64_t>(expectedTok.size()) != target) {
                    // M <= 0: the middle is dropped, only sinks and newest remain.
                    ASSERT_LE(target, sinks + recent);
                }
                ASSERT_EQ(keptTok.size(0), static_cast<int64_t>(expectedTok.size()));
                for (int64_t m = 0; m < target; ++m) {
                    const int64_t anchor = expectedTok[m];
                    ASSERT_EQ(keptTok[m].item<int64_t>(), anchor) << "slot " << m;
                    const auto &members = buckets[anchor];
                    auto idx = at::tensor(members);
                    auto meanK = f.keys[l][b].index_select(1, idx).to(at::kDouble).mean(1);
                    auto meanV = f.values[l][b].index_select(1, idx).to(at::kDouble).mean(1);
                    auto gotK = kv.liveKeys(l)[b].select(1, m).to(at::kDouble);
                    auto gotV = kv.liveValues(l)[b].select(1, m).to(at::kDouble);
                    EXPECT_TRUE(at::allclose(gotK, meanK, 1e-6, 1e-6)) << "anchor " << anchor;
                    EXPECT_TRUE(at::allclose(gotV, meanV, 1e-6, 1e-6)) << "anchor " << anchor;
                    EXPECT_EQ(kv.mergeCount(l)[b][m].item<int>(), (int)members.size());
                    double impSum = 0;
                    for (int64_t t : members)
                        impSum += imp[t];
                    EXPECT_NEAR(kv.importance(l)[b][m].item<float>(), impSum, 1e-5);
                    merged += members.size() - 1;
                }
                // Sinks and the recent tokens are untouched, bit for bit.
                for (int64_t t = 0; t < sinks; ++t)
                    EXPECT_TRUE(at::equal(kv.liveKeys(l)[b].select(1, t),
                                          f.keys[l][b].select(1, t)));
                for (int64_t i = 1; i <= recent; ++i)
                    EXPECT_TRUE(at::equal(kv.liveKeys(l)[b].select(1, target - i),
                                          f.keys[l][b].select(1, c.tokens - i)));
                removed += c.tokens - target;
            }
        }
        EXPECT_EQ(f.stats.merged, merged);
        EXPECT_EQ(f.stats.merged + f.stats.evicted, removed);
    }
}

TEST(ElasticPolicy, FullBudgetLeavesCacheBitIdentical)
{
    for (auto name : {"elastic", "local", "h2o", "full"}) {
        at::manual_seed(7);
        cache::KvCache kv(test::layout(2, 2, 2, 4, at::kBFloat16), 8);
        auto policy = cache::makePolicy(test::config(name, 1.0));
        auto f = test::forward(kv, *policy, 37, 0, cache::Phase::Prefill);
        for (int step = 0; step < 5; ++step) {
            auto d = test::forward(kv, *policy, 1, 37 + step, cache::Phase::Decode);
            f.keys[0] = at::cat({f.keys[0], d.keys[0]}, 2);
            f.values[1] = at::cat({f.values[1], d.values[1]}, 2);
        }
        ASSERT_EQ(kv.size(), 42) << name;
        EXPECT_TRUE(at::equal(kv.liveKeys(0), f.keys[0])) << name;
        EXPECT_TRUE(at::equal(kv.liveValues(1), f.values[1])) << name;
    }
}

// The paper's N_tl = C0 + distance; the product's is the first entry after the sink, whatever
// the distance.
TEST(ElasticPolicy, FixedPointEvictionIsFifoFromNtl)
{
    for (int trial = 0; trial < 20; ++trial) {
        const int64_t T = 40 + (trial / 2) * 7, steps = 60;
        const double keep = 0.3 + 0.05 * (trial / 2);
        const bool paper = trial % 2 == 0;
        auto cfg = test::config(paper ? "elastic-paper" : "elastic", keep, 1);
        cfg.distance = -5 - trial / 2;
        SCOPED_TRACE(cfg.name + " T=" + std::to_string(T));
        auto policy = cache::makePolicy(cfg);
        auto *elastic = dynamic_cast<cache::ElasticPolicy *>(policy.get());
        cache::KvCache kv(test::layout(2, 1, 1, 2), 16);
        test::forward(kv, *policy, T, 0, cache::Phase::Prefill);
        const int64_t C0 = kv.size();
        const int64_t ntl = elastic->fixedPoint(C0);
        EXPECT_EQ(ntl, paper ? C0 + cfg.distance : 1);
        // Physical model: the token list of each layer, [sink | history | prompt | answer].
        // The paper deletes index N_tl; the product deletes the oldest history entry, once
        // none is left the oldest answer token but the newest, else the prompt's oldest.
        int64_t history = C0 - 1 - elastic->protectedRecent(C0, 1, T);
        int64_t prompt = C0 - 1 - history;
        std::vector<std::vector<int64_t>> model(2);
        for (int l = 0; l < 2; ++l)
            for (int64_t i = 0; i < C0; ++i)
                model[l].push_back(kv.tokenIndex(l)[0][i].item<int64_t>());
        for (int64_t step = 0; step < steps; ++step) {
            const int64_t n = T + step + 1;
            auto d = test::forward(kv, *policy, 1, T + step, cache::Phase::Decode);
            const int64_t goal = cfg.budget.targetEntries(n, 1, 2);
            for (auto &m : model)
                m.push_back(T + step);
            if ((int64_t)model[0].size() > goal) {
                const int64_t answer = (int64_t)model[0].size() - 1 - history - prompt;
                int64_t at = ntl;
                if (!paper && history > 0)
                    --history;
                else if (!paper && answer >= 2)
                    at = 1 + prompt;
                else if (!paper)
                    --prompt;
                for (auto &m : model)
                    m.erase(m.begin() + at);
            }
            ASSERT_EQ(kv.size(), (int64_t)model[0].size());
            for (int l = 0; l < 2; ++l) {
                auto live = kv.tokenIndex(l)[0].narrow(0, 0, kv.size());
                std::set<int64_t> got(live.data_ptr<int64_t>(),
                                      live.data_ptr<int64_t>() + kv.size());
                EXPECT_EQ(got, std::set<int64_t>(model[l].begin(), model[l].end()))
                    << "step " << step;
            }
        }
    }
}

TEST(ElasticPolicy, SlotOverwriteEqualsPhysicalDeletionForAttention)
{
    at::manual_seed(3);
    const int64_t T = 50, D = 8;
    auto cfg = test::config("elastic-paper", 0.4, 1);
    cfg.distance = -6;
    auto policy = cache::makePolicy(cfg);
    cache::KvCache kv(test::layout(1, 1, 2, D), 16);
    test::forward(kv, *policy, T, 0, cache::Phase::Prefill);
    auto physK = kv.liveKeys(0).clone(), physV = kv.liveValues(0).clone();
    const int64_t ntl = dynamic_cast<cache::ElasticPolicy &>(*policy).fixedPoint(kv.size());
    for (int64_t step = 0; step < 40; ++step) {
        auto d = test::forward(kv, *policy, 1, T + step, cache::Phase::Decode);
        physK = at::cat({physK, d.keys[0]}, 2);
        physV = at::cat({physV, d.values[0]}, 2);
        if (physK.size(2) > kv.size()) {
            physK = at::cat({physK.narrow(2, 0, ntl), physK.narrow(2, ntl + 1, physK.size(2) - ntl - 1)}, 2);
            physV = at::cat({physV.narrow(2, 0, ntl), physV.narrow(2, ntl + 1, physV.size(2) - ntl - 1)}, 2);
        }
        auto q = at::randn({1, 2, 1, D});
        auto attend = [&](const at::Tensor &k, const at::Tensor &v) {
            return at::matmul(at::softmax(at::matmul(q, k.transpose(-1, -2)), -1), v);
        };
        EXPECT_TRUE(at::allclose(attend(kv.liveKeys(0), kv.liveValues(0)), attend(physK, physV),
                                 1e-5, 1e-6))
            << "step " << step;
    }
}

TEST(ElasticPolicy, MultiTurnAccumulatesImportanceAndKeepsBudget)
{
    at::manual_seed(11);
    auto policy = cache::makePolicy(test::config("elastic", 0.5, 1));
    cache::KvCache kv(test::layout(2, 1, 2, 4), 16);
    int64_t seen = 0;
    for (int turn = 0; turn < 4; ++turn) {
        test::forward(kv, *policy, 30, seen, cache::Phase::Prefill);
        seen += 30;
        EXPECT_EQ(kv.size(), (seen + 1) / 2);
        for (int step = 0; step < 10; ++step, ++seen)
            test::forward(kv, *policy, 1, seen, cache::Phase::Decode);
        EXPECT_LE(kv.size(), (seen + 1) / 2);
        // Importance of merged entries is the sum of their members: total stays positive.
        EXPECT_GT(kv.importance(0).narrow(1, 0, kv.size()).sum().item<float>(), 0);
        // The first token (sink) survives every turn.
        EXPECT_EQ(std::get<0>(kv.tokenIndex(1).narrow(1, 0, kv.size()).min(1)).item<int64_t>(), 0);
    }
}

// The product variant keeps the prompt just given (20 tokens after a first one of 80: always under
// half the target) exact through the compaction and through the answer's evictions, which take
// the oldest history instead; the paper's merges and evicts inside that prompt.
TEST(ElasticPolicy, ProductKeepsTheNewestPromptThroughCompactionAndGeneration)
{
    for (auto name : {"elastic", "elastic-paper"}) {
        SCOPED_TRACE(name);
        at::manual_seed(5);
        auto policy = cache::makePolicy(test::config(name, 0.5, 1));
        cache::KvCache kv(test::layout(2, 1, 2, 4), 16);
        int64_t seen = 0;
        bool promptKept = true;
        for (int turn = 0; turn < 4; ++turn) {
            const int64_t n = turn == 0 ? 80 : 20;
            const auto prompt = test::forward(kv, *policy, n, seen, cache::Phase::Prefill);
            const int64_t promptStart = seen;
            seen += n;
            for (int step = 0; step < 12; ++step, ++seen)
                test::forward(kv, *policy, 1, seen, cache::Phase::Decode);
            if (turn == 0)
                continue; // one prompt over half the target: the product merges its older half
            for (int l = 0; l < 2; ++l) {
                auto tok = kv.tokenIndex(l)[0].narrow(0, 0, kv.size());
                for (int64_t t = 0; t < n; ++t) {
                    auto at = (tok == promptStart + t).nonzero();
                    const bool kept =
                        at.numel() == 1 &&
                        kv.mergeCount(l)[0][at.item<int64_t>()].item<int>() == 1 &&
                        at::equal(kv.liveKeys(l)[0].select(1, at.item<int64_t>()),
                                  prompt.keys[l][0].select(1, t));
                    promptKept = promptKept && kept;
                }
            }
            EXPECT_LE(kv.size(), (seen + 1) / 2);
        }
        EXPECT_EQ(promptKept, std::string(name) == "elastic");
    }
}
