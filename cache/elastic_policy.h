// Elastic Cache (corrected; see elastic-cache-paper.md §1, §7): after each prompt,
// importance-driven merging of the older entries into anchors; during generation, fixed-point
// elimination. Two variants (docs/cache.md):
//   Paper   ("elastic-paper") as the paper describes it: only the newest entry is protected
//           from merging, and generation evicts FIFO from N_tl = size after compaction + distance
//           (-25), which falls inside the prompt just given;
//   Product ("elastic") protects the newest prompt (at most half the budget) from merging, and
//           generation evicts FIFO from the oldest entry after the sinks: the oldest history
//           goes first, not the prompt being answered. On the demo model's small, dense images
//           the paper's rules merged and then evicted the very image a question is about
//           (docs/cache.md, "Product and paper").
#pragma once

#include "cache/ordered_policy.h"

namespace ec::cache {

class ElasticPolicy : public OrderedPolicy
{
public:
    enum class Variant { Product, Paper };
    ElasticPolicy(PolicyConfig config, Variant variant)
        : OrderedPolicy(std::move(config)), variant_(variant)
    {
    }

    bool needsAttention(Phase phase) const override { return phase == Phase::Prefill; }
    void observeAttention(KvCache &cache, int layer, Phase phase,
                          const at::Tensor &colSums) override;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;

    // Logical index of the fixed point N_tl for a cache of `entries` after compaction.
    int64_t fixedPoint(int64_t entries) const;
    // How many of the newest entries a compaction to `target` keeps as they are, when the
    // forward that triggered it appended `newTokens`.
    int64_t protectedRecent(int64_t target, int64_t sinks, int64_t newTokens) const;

private:
    // Returns how many of the newest entries it kept as they are.
    int64_t compact(KvCache &cache, int64_t target, int64_t newTokens, CompactionStats &stats);

    Variant variant_;
    // Logical indices (SlotOrder) of the newest prompt's first entry and of the answer's first
    // token, kept in step with the evictions.
    int64_t promptStart_ = 0;
    int64_t answerStart_ = 0;
};

} // namespace ec::cache
