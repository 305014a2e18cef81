#include "cache/compaction.h"
#include "cache/kv_cache.h"
#include "lab/reference_policies/reference_policies.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace ec::cache {

void ElasticRefPolicy::reset()
{
    OrderedPolicy::reset();
    fixIdx_ = 0;
}

void ElasticRefPolicy::observeAttention(KvCache &cache, int layer, Phase phase,
                                        const at::Tensor &colSums)
{
    if (phase == Phase::Prefill) // decode attentions are ignored
        cache.importance(layer).narrow(1, 0, colSums.size(1)).add_(colSums);
}

// §2.2: per layer, keep the middle positions whose *rank* exceeds f (Q1); "throw" the positions
// of ranks <= f without the sink offset (Q2) and average each into the kept position nearest to
// it, the kept anchor counted once more (scatter_reduce 'mean', include_self; Q3). S - f - 1 kept.
void ElasticRefPolicy::compact(KvCache &cache, int64_t f, CompactionStats &stats)
{
    const int64_t S = cache.size(), s = std::min<int64_t>(config_.sinks, S - 1);
    auto longOpts = cache.tokenIndex(0).options();
    auto logical = at::tensor(order_.slots(), longOpts);
    int64_t kept = -1;
    for (int l = 0; l < cache.layout().layers; ++l) {
        auto score = cache.importance(l)[0].index_select(0, logical);
        auto argsort = std::get<1>(score.narrow(0, s, S - 1 - s).sort(/*stable=*/true, 0, /*descending=*/false));
        auto keepMid = at::nonzero(argsort > f).view(-1) + s;
        auto thrown = at::nonzero(argsort <= f).view(-1);
        auto keep = at::cat({at::arange(s, longOpts), keepMid,
                             at::full({1}, S - 1, longOpts)});
        const int64_t K = keep.size(0);
        auto keepSlots = logical.index_select(0, keep);
        auto keys = cache.keyStorage(l)[0], values = cache.valueStorage(l)[0];
        auto sumK = keys.index_select(1, keepSlots).to(at::kFloat);
        auto sumV = values.index_select(1, keepSlots).to(at::kFloat);
        auto count = at::ones({K}, sumK.options());
        if (keepMid.numel() > 0 && thrown.numel() > 0) {
            // Nearest kept middle position, first minimum (ties to the left).
            const int64_t M = keepMid.size(0);
            auto j = at::searchsorted(keepMid, thrown);
            auto left = (j - 1).clamp(0, M - 1), right = j.clamp(0, M - 1);
            auto dl = thrown - keepMid.index_select(0, left);
            auto dr = keepMid.index_select(0, right) - thrown;
            auto useLeft = (j == M) | ((j > 0) & (dl <= dr));
            auto target = at::where(useLeft, left, right) + s; // index into keep
            auto thrownSlots = logical.index_select(0, thrown);
            sumK.index_add_(1, target, keys.index_select(1, thrownSlots).to(at::kFloat));
            sumV.index_add_(1, target, values.index_select(1, thrownSlots).to(at::kFloat));
            count.index_add_(0, target, at::ones({target.size(0)}, count.options()));
            // Entries neither kept nor thrown vanish; thrown ones that were dropped count as merged.
            auto dropped = at::ones({S}, longOpts.dtype(at::kBool));
            dropped.index_fill_(0, keep, false);
            auto mergedMask = at::zeros({S}, dropped.options());
            mergedMask.index_fill_(0, thrown, true);
            const int64_t merged = (dropped & mergedMask).sum().item<int64_t>();
            stats.merged += merged;
            stats.evicted += (S - K) - merged;
        } else {
            stats.evicted += S - K;
        }
        count = count.view({1, K, 1});
        keys.narrow(1, 0, K).copy_(sumK.div_(count));
        values.narrow(1, 0, K).copy_(sumV.div_(count));
        for (auto *meta : {&cache.tokenIndex(l), &cache.importance(l)}) {
            auto row = (*meta)[0];
            row.narrow(0, 0, K).copy_(row.index_select(0, keepSlots));
        }
        auto counts = cache.mergeCount(l)[0];
        counts.narrow(0, 0, K).copy_(count.view({K}).to(at::kInt));
        kept = K;
    }
    cache.setSize(kept);
}

CompactionStats ElasticRefPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    auto start = std::chrono::steady_clock::now();
    requireSingleSequence(cache);
    auto stats = statsBefore(cache);
    syncOrder(cache);
    const int64_t S = cache.size();
    const int64_t f = referenceEvictCount(S, info.tokensSeen, config_.budget.keepRatio);
    if (f > 1) {
        compact(cache, f, stats);
        fixIdx_ = config_.distance > 0 ? config_.distance : S - f + config_.distance;
        order_.reset(cache.size(), std::clamp<int64_t>(fixIdx_, 0, cache.size() - 1));
    } else if (f == 1) {
        // Q11 included: before any prefill compaction fixIdx_ is 0 and the BOS goes.
        const int64_t idx = fixIdx_ >= 0 ? fixIdx_ : S + fixIdx_; // Python negative index
        if (idx >= 0 && idx < S) {
            order_.removeAt(cache, idx);
            stats.evicted += cache.layout().layers;
        }
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}

} // namespace ec::cache
