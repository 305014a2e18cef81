// Elastic Cache, as the paper describes it (corrected; see elastic-cache-paper.md §1, §7):
// after each prompt, importance-driven merging of every entry into its nearest anchor; during
// generation, fixed-point elimination.
#pragma once

#include "cache/ordered_policy.h"

namespace ec::cache {

class ElasticPolicy : public OrderedPolicy
{
public:
    using OrderedPolicy::OrderedPolicy;

    bool needsAttention(Phase phase) const override { return phase == Phase::Prefill; }
    void observeAttention(KvCache &cache, int layer, Phase phase,
                          const at::Tensor &colSums) override;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;

    // Logical index of the fixed point N_tl for a cache of `entries` after compaction.
    int64_t fixedPoint(int64_t entries) const;

private:
    void compact(KvCache &cache, int64_t target, CompactionStats &stats);
};

} // namespace ec::cache
