// The cache protocol of one forward pass, the same for every model family: the RoPE position
// of the new tokens, their keys and values entering the store, the attention over the cache
// (and the column sums the policy observes, when it asks), then compaction. A model runs its
// layers and calls attend() once per layer; the caller commits the step.
#pragma once

#include "cache/cache_policy.h"
#include "cache/kv_cache.h"

#include <ATen/core/Tensor.h>

namespace ec::cache {

class ForwardStep
{
public:
    // `newTokens` tokens of each sequence, after `tokensSeenBefore` tokens per sequence.
    ForwardStep(KvCache &cache, CachePolicy &policy, Phase phase, int64_t tokensSeenBefore,
                int64_t newTokens);
    // A step that was not committed (the forward threw) leaves the cache as it was.
    ~ForwardStep();
    ForwardStep(const ForwardStep &) = delete;
    ForwardStep &operator=(const ForwardStep &) = delete;

    Phase phase() const { return phase_; }
    int64_t newTokens() const { return newTokens_; }
    // RoPE position of the first new token (the policy's position mode decides).
    int64_t firstPosition() const;

    // q [B, H, n, D], k and v [B, Hkv, n, D], already rotated: writes k and v into this layer's
    // store and returns q's attention [B, H, n, D] over every live slot and the new ones (causal
    // among the new), scaled by D^-0.5 (a model with another scale folds it into q).
    at::Tensor attend(int layer, const at::Tensor &q, const at::Tensor &k, const at::Tensor &v);

    // Makes the new tokens live and lets the policy compact; returns what it did.
    CompactionStats commit();

private:
    KvCache &cache_;
    CachePolicy &policy_;
    Phase phase_;
    int64_t tokensSeenBefore_;
    int64_t newTokens_;
    bool begun_ = false;
    bool committed_ = false;
};

} // namespace ec::cache
