#include "cache/elastic_policy.h"

#include "cache/compaction.h"
#include "cache/kv_cache.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace ec::cache {

namespace {

// One sequence of one layer: sinks, top-M middle anchors, the `recent` newest entries; every
// other middle entry merges into its nearest anchor by token index, ties to the left.
void planRow(const KvCache &cache, int layer, int64_t b, int64_t sinks, int64_t recent,
             int64_t target, at::Tensor assign, at::Tensor anchors)
{
    const int64_t S = cache.size();
    const int64_t M = target - sinks - recent;
    auto order = slotsInTokenOrder(cache, layer, b);
    auto middle = order.narrow(0, sinks, S - sinks - recent);
    auto slotOpts = order.options();

    assign.index_put_({order.narrow(0, 0, sinks)}, at::arange(sinks, slotOpts));
    assign.index_put_({order.narrow(0, S - recent, recent)},
                      at::arange(target - recent, target, slotOpts));
    anchors.narrow(0, 0, sinks).copy_(order.narrow(0, 0, sinks));
    anchors.narrow(0, target - recent, recent).copy_(order.narrow(0, S - recent, recent));
    if (M <= 0) {
        assign.index_put_({middle}, at::scalar_tensor(-1, slotOpts));
        return;
    }
    auto importance = cache.importance(layer)[b].index_select(0, middle);
    // Stable descending sort: among equal scores the earlier token wins.
    auto byScore = std::get<1>(importance.sort(/*stable=*/true, 0, /*descending=*/true));
    auto anchorRel = std::get<0>(byScore.narrow(0, 0, M).sort()); // positions within `middle`
    auto tokens = cache.tokenIndex(layer)[b].index_select(0, middle); // ascending
    auto anchorTok = tokens.index_select(0, anchorRel);
    auto j = at::searchsorted(anchorTok, tokens); // first anchor at or after each token
    auto left = (j - 1).clamp(0, M - 1);
    auto right = j.clamp(0, M - 1);
    auto distLeft = tokens - anchorTok.index_select(0, left);
    auto distRight = anchorTok.index_select(0, right) - tokens;
    auto useLeft = (j == M) | ((j > 0) & (distLeft <= distRight));
    auto chosen = at::where(useLeft, left, right);
    assign.index_put_({middle}, chosen + sinks);
    anchors.narrow(0, sinks, M).copy_(middle.index_select(0, anchorRel));
}

} // namespace

void ElasticPolicy::observeAttention(KvCache &cache, int layer, Phase phase,
                                     const at::Tensor &colSums)
{
    if (phase != Phase::Prefill)
        return;
    cache.importance(layer).narrow(1, 0, colSums.size(1)).add_(colSums);
}

int64_t ElasticPolicy::fixedPoint(int64_t entries) const
{
    // Product: the oldest entry after the sinks, so generation drops the oldest history first
    // (as StreamingLLM does), never the prompt being answered or the answer while history is left.
    int64_t n = config_.sinks;
    if (variant_ == Variant::Paper)
        n = config_.distance > 0 ? config_.distance : entries + config_.distance;
    return std::clamp<int64_t>(n, std::min(config_.sinks, entries - 1), entries - 1);
}

int64_t ElasticPolicy::protectedRecent(int64_t target, int64_t sinks, int64_t newTokens) const
{
    int64_t wanted = 1; // the paper protects the most recent token
    if (variant_ == Variant::Product)
        wanted = config_.elasticRecent > 0 ? config_.elasticRecent
                                           : std::min(newTokens, target / 2);
    return std::clamp<int64_t>(wanted, 1, std::max<int64_t>(1, target - sinks));
}

int64_t ElasticPolicy::compact(KvCache &cache, int64_t target, int64_t newTokens,
                               CompactionStats &stats)
{
    const int64_t B = cache.layout().batch, S = cache.size();
    const int64_t sinks = std::min(config_.sinks, target - 1);
    const int64_t recent = protectedRecent(target, sinks, newTokens);
    auto opts = cache.tokenIndex(0).options();
    for (int l = 0; l < cache.layout().layers; ++l) {
        LayerPlan plan{at::empty({B, S}, opts), at::empty({B, target}, opts)};
        for (int64_t b = 0; b < B; ++b)
            planRow(cache, l, b, sinks, recent, target, plan.assign[b], plan.anchors[b]);
        applyPlan(cache, l, plan, stats);
    }
    cache.setSize(target);
    return recent;
}

CompactionStats ElasticPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    auto start = std::chrono::steady_clock::now();
    auto stats = statsBefore(cache);
    syncOrder(cache);
    const int64_t S = cache.size();
    const int64_t goal = target(cache, info.tokensSeen, config_.sinks + 1);
    if (info.phase == Phase::Prefill) {
        if (S > goal) {
            const int64_t recent = compact(cache, goal, info.newTokens, stats);
            order_.reset(goal, fixedPoint(goal));
            promptStart_ = goal - std::min(recent, info.newTokens);
        } else {
            order_.setRegionStart(fixedPoint(S));
            promptStart_ = S - info.newTokens;
        }
        answerStart_ = order_.size();
    } else if (S > goal && S > 1) {
        // Product: once the history before the prompt is gone, the FIFO region moves past the
        // prompt, so the answer's own oldest tokens go before the prompt it answers.
        if (variant_ == Variant::Product && order_.regionStart() >= promptStart_ &&
            order_.regionStart() < answerStart_ && answerStart_ < order_.size() - 1)
            order_.setRegionStart(answerStart_);
        // Fixed-point elimination: the oldest entry of the FIFO region makes room.
        const int64_t victim = order_.regionStart();
        order_.removeAt(cache, victim);
        if (victim < promptStart_)
            --promptStart_;
        if (victim < answerStart_)
            --answerStart_;
        stats.evicted += cache.layout().layers * cache.layout().batch;
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}

} // namespace ec::cache
