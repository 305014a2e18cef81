// H2O (Zhang et al., NeurIPS 2023): heavy hitters by accumulated attention plus a recent window,
// per layer, head-averaged; decode rows accumulate too.
#pragma once

#include "cache/cache_policy.h"

namespace ec::cache {

class H2oPolicy : public CachePolicy
{
public:
    using CachePolicy::CachePolicy;

    bool needsAttention(Phase) const override { return true; }
    void observeAttention(KvCache &cache, int layer, Phase phase,
                          const at::Tensor &colSums) override;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;

    // Entries of the recent window for a budget of `target` entries.
    int64_t recentWindow(int64_t target) const;
};

} // namespace ec::cache
