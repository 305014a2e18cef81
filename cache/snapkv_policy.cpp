#include "cache/snapkv_policy.h"

#include "cache/compaction.h"
#include "cache/kv_cache.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>

namespace ec::cache {

int64_t SnapKvPolicy::window() const
{
    return config_.recentWindow > 0 ? config_.recentWindow : kDefaultWindow;
}

void SnapKvPolicy::observeAttention(KvCache &cache, int layer, Phase phase,
                                    const at::Tensor &colSums)
{
    if (phase != Phase::Prefill)
        return;
    // Pooled along the conversation, not along the slots: after evictions by slot overwrite
    // neighbouring slots are not neighbouring tokens.
    const int64_t S = colSums.size(1);
    const at::Tensor order = allSlotsInTokenOrder(cache, layer, S);
    const at::Tensor pooled =
        at::avg_pool1d(colSums.gather(1, order).unsqueeze(1), {kPoolKernel}, {1},
                       {kPoolKernel / 2})
            .squeeze(1);
    cache.importance(layer).narrow(1, 0, S).scatter_(1, order, pooled);
}

CompactionStats SnapKvPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    const auto start = std::chrono::steady_clock::now();
    auto stats = statsBefore(cache);
    if (info.phase == Phase::Prefill)
        answerStart_ = info.tokensSeen;
    const int64_t S = cache.size();
    const int64_t goal =
        config_.budget.targetEntries(info.tokensSeen, cache.layout().bytesPerToken(), 1);
    if (S > goal) {
        // Protected entries score +inf: after a prompt, the observation window (its newest
        // tokens); while the answer is generated, the answer so far (its newest goal - 1
        // tokens once it alone fills the budget, so that something older is left to replace).
        const int64_t firstProtected =
            info.phase == Phase::Prefill
                ? info.tokensSeen - std::min({window(), info.newTokens, goal})
                : std::max(answerStart_, info.tokensSeen - goal + 1);
        keepMostImportant(cache, info.phase, goal, firstProtected, stats);
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}

} // namespace ec::cache
