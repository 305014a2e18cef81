#include "cache/h2o_policy.h"

#include "cache/compaction.h"
#include "cache/kv_cache.h"

#include <ATen/ATen.h>

#include <chrono>

namespace ec::cache {

void H2oPolicy::observeAttention(KvCache &cache, int layer, Phase, const at::Tensor &colSums)
{
    cache.importance(layer).narrow(1, 0, colSums.size(1)).add_(colSums);
}

int64_t H2oPolicy::recentWindow(int64_t target) const
{
    const int64_t window = config_.recentWindow > 0 ? config_.recentWindow : target / 2;
    return std::clamp<int64_t>(window, 1, target);
}

CompactionStats H2oPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    auto start = std::chrono::steady_clock::now();
    auto stats = statsBefore(cache);
    const int64_t S = cache.size();
    const int64_t goal =
        config_.budget.targetEntries(info.tokensSeen, cache.layout().bytesPerToken(), 1);
    if (S > goal) {
        // Recent tokens score +inf, so they always rank as heavy hitters.
        const int64_t firstRecent = info.tokensSeen - recentWindow(goal);
        keepMostImportant(cache, info.phase, goal, firstRecent, stats);
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}

} // namespace ec::cache
