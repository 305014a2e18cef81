#include "cache/compaction.h"
#include "cache/kv_cache.h"
#include "lab/reference_policies/reference_policies.h"

#include <ATen/ATen.h>

#include <chrono>

namespace ec::cache {

CompactionStats LocalRefPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    auto start = std::chrono::steady_clock::now();
    requireSingleSequence(cache);
    auto stats = statsBefore(cache);
    syncOrder(cache);
    const int64_t S = cache.size(), s = config_.sinks;
    const int64_t f = referenceEvictCount(S, info.tokensSeen, config_.budget.keepRatio);
    if (f == 1 && S > s) {
        order_.removeAt(cache, s); // the oldest token after the sinks
        stats.evicted += cache.layout().layers;
    } else if (f > 1) {
        // Keep [0, s) and [s + f, S): S - f entries, one more than the other reference policies.
        auto logical = order_.slots();
        std::vector<int64_t> kept(logical.begin(), logical.begin() + std::min(s, S));
        for (int64_t i = s + f; i < S; ++i)
            kept.push_back(logical[i]);
        auto keptSlots = at::tensor(kept, cache.tokenIndex(0).options()).unsqueeze(0);
        for (int l = 0; l < cache.layout().layers; ++l)
            applyPlan(cache, l, keepOnlyPlan(keptSlots, S), stats);
        cache.setSize(keptSlots.size(1));
        order_.reset(cache.size(), s);
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}


} // namespace ec::cache
