// The interface every cache policy implements, and the statistics a compaction reports.
//
// The engine calls, for each forward pass: observeAttention once per layer (only when the policy
// asks for attention in that phase), then afterForward once, after the new tokens are live.
#pragma once

#include "cache/budget.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ec::cache {

class KvCache;

enum class Phase { Prefill, Decode };

// Which RoPE position a new token gets: its true index in the conversation, or the current cache
// length (what the reference code does; positions then repeat after evictions). Default is True
// for the product's policies and Compact for the reference-code reproductions.
enum class PositionMode { Default, True, Compact };

struct ForwardInfo
{
    Phase phase = Phase::Prefill;
    int64_t tokensSeen = 0; // tokens fed so far per sequence, this forward included
    int64_t newTokens = 0;  // tokens this forward appended (a whole prompt at prefill)
};

struct CompactionStats
{
    int64_t entriesBefore = 0;
    int64_t entriesAfter = 0;
    int64_t bytesBefore = 0;
    int64_t bytesAfter = 0;
    int64_t merged = 0;  // entries folded into an anchor (summed over layers and sequences)
    int64_t evicted = 0; // entries dropped without merging (summed over layers and sequences)
    double milliseconds = 0;

    void accumulate(const CompactionStats &next); // before from the first, after from the last
};

struct PolicyConfig
{
    // full | local | h2o | snapkv | elastic | elastic-paper, or a name registered with
    // registerPolicy
    std::string name = "full";
    Budget budget;
    int64_t sinks = 1; // protected first tokens (s)
    // elastic-paper, elastic-ref: the fixed point N_tl = size after compaction + distance
    int64_t distance = -25;
    // h2o: recent entries always kept (0 = half the budget, the H2O paper's split);
    // snapkv: the observation window (0 = SnapKvPolicy::kDefaultWindow)
    int64_t recentWindow = 0;
    // elastic: newest entries kept unmerged; 0 = the newest prompt, at most half the target
    int64_t elasticRecent = 0;
    PositionMode positions = PositionMode::Default;

    bool operator==(const PolicyConfig &) const = default;
};

class CachePolicy
{
public:
    explicit CachePolicy(PolicyConfig config)
        : config_(std::move(config))
    {
    }
    virtual ~CachePolicy() = default;

    const PolicyConfig &config() const { return config_; }
    virtual std::string name() const { return config_.name; }
    // The memory slider moves the budget between turns; it applies from the next compaction.
    void setBudget(const Budget &budget) { config_.budget = budget; }

    // Whether the engine must hand this policy the head-averaged column sums of the attention
    // probabilities in this phase (at decode that is the single query row).
    virtual bool needsAttention(Phase phase) const { return false; }
    // How many of a forward's newest queries the column sums cover (SnapKV's observation
    // window); 0: all of them.
    virtual int64_t observationWindow(Phase phase) const { return 0; }
    // colSums: [B, S] float32 over the S = size() + pending() slots the forward attended to.
    virtual void observeAttention(KvCache &cache, int layer, Phase phase, const at::Tensor &colSums)
    {
    }
    // Called after each forward; compacts the cache when it is over budget.
    virtual CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) = 0;
    // A new conversation starts on an empty cache.
    virtual void reset() {}

    // RoPE position of the first of `count` new tokens.
    int64_t firstPosition(const KvCache &cache, int64_t tokensSeenBefore) const;
    virtual PositionMode positionMode() const;

protected:
    PolicyConfig config_;
};

// Builds the policy named in `config`; throws std::invalid_argument naming the known policies.
std::unique_ptr<CachePolicy> makePolicy(const PolicyConfig &config);

// Policies outside the product (the lab's reference-code reproductions) join makePolicy here.
using PolicyFactory = std::function<std::unique_ptr<CachePolicy>(const PolicyConfig &)>;
void registerPolicy(const std::string &name, PolicyFactory factory);
// The names makePolicy knows: the product's, then the registered ones.
std::vector<std::string> knownPolicyNames();

} // namespace ec::cache
