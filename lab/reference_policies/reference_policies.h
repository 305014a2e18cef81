// Bug-compatible reproductions of the authors' kv_cache.py (ElasticCache, H2OCache, LocalCache),
// so the paper's curves can be reproduced beside the corrected policies. Every index below is a
// logical position in a cache the reference shifts physically; quirk numbers Q1-Q11 refer to
// elastic-cache-paper.md §2-§6. Single sequence only (the reference's batch path is broken, Q9).
#pragma once

#include "cache/ordered_policy.h"

#include <vector>

namespace ec::cache {

// The reference's eviction count: int(S - n * (1 - r)) in double, truncated toward zero, with
// (1 - r) = the kept fraction.
int64_t referenceEvictCount(int64_t cacheSize, int64_t tokensSeen, double keepRatio);
// Adds local-ref, h2o-ref and elastic-ref to cache::makePolicy (elastic-lab and the tests call
// it once at start).
void registerReferencePolicies();

// Throws for batches: the reference's batch path is broken (Q9), there is nothing to reproduce.
void requireSingleSequence(const KvCache &cache);

class ElasticRefPolicy : public OrderedPolicy
{
public:
    using OrderedPolicy::OrderedPolicy;
    // The reference rotates a new token by the cache length (paper record, section 4).
    PositionMode positionMode() const override
    {
        return config_.positions == PositionMode::Default ? PositionMode::Compact
                                                          : config_.positions;
    }

    bool needsAttention(Phase phase) const override { return phase == Phase::Prefill; }
    void observeAttention(KvCache &cache, int layer, Phase phase,
                          const at::Tensor &colSums) override;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;
    void reset() override;

    int64_t fixIndex() const { return fixIdx_; }

private:
    void compact(KvCache &cache, int64_t evict, CompactionStats &stats);

    int64_t fixIdx_ = 0; // Q11: 0 until a prefill compaction sets it
};

class H2oRefPolicy : public OrderedPolicy
{
public:
    using OrderedPolicy::OrderedPolicy;
    // The reference rotates a new token by the cache length (paper record, section 4).
    PositionMode positionMode() const override
    {
        return config_.positions == PositionMode::Default ? PositionMode::Compact
                                                          : config_.positions;
    }

    bool needsAttention(Phase) const override { return true; }
    void observeAttention(KvCache &cache, int layer, Phase phase,
                          const at::Tensor &colSums) override;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;
    void reset() override;

    const std::vector<float> &scores() const { return score_; }

private:
    std::vector<float> score_; // one vector for all layers, by logical index; never compacted (Q5)
    at::Tensor pending_;       // this forward's column sums by slot, summed over layers
    int layersSeen_ = 0;
};

class LocalRefPolicy : public OrderedPolicy
{
public:
    using OrderedPolicy::OrderedPolicy;
    // The reference rotates a new token by the cache length (paper record, section 4).
    PositionMode positionMode() const override
    {
        return config_.positions == PositionMode::Default ? PositionMode::Compact
                                                          : config_.positions;
    }
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;
};

} // namespace ec::cache
