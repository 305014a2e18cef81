// SnapKV against a plain-loop oracle, and ForwardStep's observation window against attention
// computed directly.
#include "cache/forward_step.h"
#include "cache/snapkv_policy.h"
#include "cache_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

using namespace ec;

namespace {

std::vector<int64_t> slotTokens(const cache::KvCache &kv, int layer, int64_t b, int64_t slots)
{
    auto t = kv.tokenIndex(layer)[b].narrow(0, 0, slots).contiguous();
    return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + slots};
}

// The entries SnapKV keeps after a prompt, from the column sums by slot: smooth them along
// token order with a zero-padded mean of 5, keep the prompt's newest `window` tokens and the
// highest smoothed scores among the rest (ties: the earlier token).
std::set<int64_t> expectedAfterPrompt(const std::vector<int64_t> &tokens,
                                      const std::vector<float> &cols, int64_t window,
                                      int64_t newTokens, int64_t goal)
{
    const int64_t S = tokens.size();
    std::vector<int64_t> bySlot(S);
    for (int64_t i = 0; i < S; ++i)
        bySlot[i] = i;
    std::sort(bySlot.begin(), bySlot.end(),
              [&](int64_t a, int64_t b) { return tokens[a] < tokens[b]; });
    // Whole-number column sums: the window's sums compare exactly (the mean is sum / 5).
    std::vector<int64_t> pooled(S, 0);
    for (int64_t i = 0; i < S; ++i)
        for (int64_t j = i - 2; j <= i + 2; ++j)
            if (j >= 0 && j < S)
                pooled[i] += static_cast<int64_t>(cols[bySlot[j]]);
    const int64_t protect = std::min({window, newTokens, goal});
    std::set<int64_t> kept;
    std::vector<int64_t> rest;
    for (int64_t i = 0; i < S; ++i)
        (i >= S - protect ? kept.insert(tokens[bySlot[i]]), void() : rest.push_back(i));
    std::stable_sort(rest.begin(), rest.end(),
                     [&](int64_t a, int64_t b) { return pooled[a] > pooled[b]; });
    for (int64_t i = 0; i < goal - protect; ++i)
        kept.insert(tokens[bySlot[rest[i]]]);
    return kept;
}

} // namespace

TEST(SnapKvPolicy, KeepsTheWindowAndTheBestSmoothedScoresOverTurns)
{
    std::mt19937 rng(11);
    at::manual_seed(11);
    for (int trial = 0; trial < 16; ++trial) {
        const double keep = std::uniform_real_distribution<double>(0.2, 0.8)(rng);
        auto cfg = test::config("snapkv", keep);
        cfg.recentWindow = trial % 2 ? 3 : 0; // 0: the default window, 64, covers every prompt
        auto policy = cache::makePolicy(cfg);
        const int64_t window = dynamic_cast<cache::SnapKvPolicy &>(*policy).window();
        const int L = 2, B = 2;
        cache::KvCache kv(test::layout(L, B, 1, 2), 16);
        int64_t seen = 0;
        for (int turn = 0; turn < 3; ++turn) {
            const int64_t n = std::uniform_int_distribution<int>(6, 40)(rng);
            const int64_t S = kv.size() + n;
            std::vector<std::vector<std::vector<int64_t>>> tokens(L);
            for (int l = 0; l < L; ++l)
                for (int64_t b = 0; b < B; ++b) {
                    auto t = slotTokens(kv, l, b, kv.size());
                    for (int64_t i = 0; i < n; ++i)
                        t.push_back(seen + i);
                    tokens[l].push_back(t);
                }
            // Coarse scores so that ties between pooled values are common.
            auto cols = at::randint(0, 4, {L, B, S}).to(at::kFloat);
            test::forward(kv, *policy, n, seen, cache::Phase::Prefill, cols);
            seen += n;
            const int64_t goal = cfg.budget.targetEntries(seen, 1, 1);
            ASSERT_EQ(kv.size(), std::min(goal, S));
            for (int l = 0; l < L; ++l)
                for (int64_t b = 0; b < B; ++b) {
                    auto c = cols[l][b].contiguous();
                    std::vector<float> cv(c.data_ptr<float>(), c.data_ptr<float>() + S);
                    auto live = slotTokens(kv, l, b, kv.size());
                    std::set<int64_t> got(live.begin(), live.end());
                    auto want = S > goal ? expectedAfterPrompt(tokens[l][b], cv, window, n, goal)
                                         : std::set<int64_t>(tokens[l][b].begin(),
                                                             tokens[l][b].end());
                    ASSERT_EQ(got, want) << "trial " << trial << " turn " << turn;
                }
            // The answer: every token of it stays while older entries are left to replace,
            // and the budget holds after each one.
            const int64_t answerStart = seen;
            for (int step = 0; step < 12; ++step, ++seen) {
                const int64_t before = kv.size();
                test::forward(kv, *policy, 1, seen, cache::Phase::Decode);
                const int64_t g = cfg.budget.targetEntries(seen + 1, 1, 1);
                ASSERT_EQ(kv.size(), std::min(g, before + 1));
                for (int l = 0; l < L; ++l)
                    for (int64_t b = 0; b < B; ++b) {
                        auto live = slotTokens(kv, l, b, kv.size());
                        const int64_t kept = std::count_if(
                            live.begin(), live.end(), [&](int64_t t) { return t >= answerStart; });
                        const int64_t answer = seen + 1 - answerStart;
                        if (answer < kv.size())
                            EXPECT_EQ(kept, answer) << "trial " << trial << " step " << step;
                        else // the answer alone fills the budget: its newest g - 1 stay
                            EXPECT_GE(kept, kv.size() - 1) << "trial " << trial;
                    }
            }
        }
    }
}

namespace {

// Records the column sums ForwardStep hands over; keeps everything.
class WindowProbe : public cache::CachePolicy
{
public:
    WindowProbe(int64_t window)
        : CachePolicy(test::config("full", 1.0))
        , window_(window)
    {
    }
    bool needsAttention(cache::Phase) const override { return true; }
    int64_t observationWindow(cache::Phase) const override { return window_; }
    void observeAttention(cache::KvCache &, int, cache::Phase, const at::Tensor &cols) override
    {
        seen.push_back(cols.clone());
    }
    cache::CompactionStats afterForward(cache::KvCache &, const cache::ForwardInfo &) override
    {
        return {};
    }
    std::vector<at::Tensor> seen;

private:
    int64_t window_;
};

} // namespace

TEST(ForwardStep, ObservationWindowSumsTheNewestQueriesOnly)
{
    const int64_t B = 1, H = 4, Hkv = 2, D = 8, before = 5, n = 9, window = 3;
    cache::KvCache kv(test::layout(1, B, Hkv, D), 32);
    WindowProbe probe(window);
    {
        cache::ForwardStep first(kv, probe, cache::Phase::Prefill, 0, before);
        first.attend(0, at::randn({B, H, before, D}), at::randn({B, Hkv, before, D}),
                     at::randn({B, Hkv, before, D}));
        first.commit();
    }
    const auto q = at::randn({B, H, n, D}), k = at::randn({B, Hkv, n, D}),
               v = at::randn({B, Hkv, n, D});
    cache::ForwardStep step(kv, probe, cache::Phase::Prefill, before, n);
    const at::Tensor out = step.attend(0, q, k, v);
    step.commit();

    // Direct: softmax over every key the query may see, GQA by repeating K and V.
    const int64_t S = before + n;
    const auto keys = kv.keys(0, S).repeat_interleave(H / Hkv, 1);
    const auto values = kv.values(0, S).repeat_interleave(H / Hkv, 1);
    auto scores = at::matmul(q, keys.transpose(-1, -2)) / std::sqrt(double(D));
    auto visible = at::arange(S).unsqueeze(0) <= (at::arange(n) + before).unsqueeze(1);
    scores = scores.masked_fill(visible.logical_not(), -std::numeric_limits<float>::infinity());
    const auto probs = scores.softmax(-1);
    const auto wantCols = probs.narrow(2, n - window, window).sum(2).mean(1); // [B, S]
    ASSERT_EQ(probe.seen.size(), 2u);
    EXPECT_TRUE(at::allclose(probe.seen[1], wantCols, 1e-5, 1e-6));
    EXPECT_TRUE(at::allclose(out, at::matmul(probs, values), 1e-5, 1e-6));
}
