// SnapKV (Li et al., 2024, arXiv:2404.14469): after each prompt, every layer keeps the prompt's
// newest `window` tokens (the observation window) and the entries those queries attend to most,
// head-averaged and smoothed over neighbouring tokens (an average pool of 5, the setting of the
// authors' code and of kvpress). Scores come from the current prompt only, not accumulated.
// Differences from the paper, both forced by the product: the store keeps one slot set per
// layer for all heads, so selection is per layer, not per head; and a budget has to hold while
// the answer is generated (the paper compresses the prompt only), so each token over it
// replaces the lowest-scored entry from before the answer.
#pragma once

#include "cache/cache_policy.h"

namespace ec::cache {

class SnapKvPolicy : public CachePolicy
{
public:
    using CachePolicy::CachePolicy;

    static constexpr int64_t kDefaultWindow = 64; // the authors' and kvpress's default
    static constexpr int64_t kPoolKernel = 5;

    bool needsAttention(Phase phase) const override { return phase == Phase::Prefill; }
    int64_t observationWindow(Phase) const override { return window(); }
    void observeAttention(KvCache &cache, int layer, Phase phase,
                          const at::Tensor &colSums) override;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;
    void reset() override { answerStart_ = 0; }

    // The observation window: PolicyConfig::recentWindow, or kDefaultWindow when that is 0.
    int64_t window() const;

private:
    int64_t answerStart_ = 0; // token index of the first token after the last prompt
};

} // namespace ec::cache
