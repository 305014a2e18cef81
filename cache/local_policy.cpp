#include "cache/local_policy.h"

#include "cache/compaction.h"
#include "cache/kv_cache.h"

#include <ATen/ATen.h>

#include <chrono>

namespace ec::cache {

CompactionStats LocalPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    auto start = std::chrono::steady_clock::now();
    auto stats = statsBefore(cache);
    syncOrder(cache);
    const int64_t S = cache.size();
    const int64_t goal = target(cache, info.tokensSeen, config_.sinks + 1);
    const int64_t sinks = std::min(config_.sinks, goal - 1);
    if (S > goal) {
        if (info.phase == Phase::Decode && S == goal + 1 && order_.regionStart() == sinks) {
            // One over: drop the oldest non-sink entry in O(1).
            order_.removeAt(cache, sinks);
            stats.evicted += cache.layout().layers * cache.layout().batch;
        } else {
            const int64_t B = cache.layout().batch;
            for (int l = 0; l < cache.layout().layers; ++l) {
                auto kept = at::empty({B, goal}, cache.tokenIndex(l).options());
                for (int64_t b = 0; b < B; ++b) {
                    auto order = slotsInTokenOrder(cache, l, b);
                    kept[b].narrow(0, 0, sinks).copy_(order.narrow(0, 0, sinks));
                    kept[b].narrow(0, sinks, goal - sinks).copy_(order.narrow(0, S - (goal - sinks), goal - sinks));
                }
                applyPlan(cache, l, keepOnlyPlan(kept, S), stats);
            }
            cache.setSize(goal);
            order_.reset(goal, sinks);
        }
    } else if (order_.regionStart() != sinks) {
        order_.setRegionStart(sinks);
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}

} // namespace ec::cache
