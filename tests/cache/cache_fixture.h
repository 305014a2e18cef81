// Helpers for cache tests: a store filled with random K/V as a forward pass would fill it.
#pragma once

#include "cache/cache_policy.h"
#include "cache/kv_cache.h"

#include <ATen/ATen.h>

namespace ec::test {

inline cache::CacheLayout layout(int64_t layers, int64_t batch, int64_t heads, int64_t dim,
                                 at::ScalarType dtype = at::kFloat)
{
    cache::CacheLayout l;
    l.layers = layers;
    l.batch = batch;
    l.kvHeads = heads;
    l.headDim = dim;
    l.dtype = dtype;
    return l;
}

// Appends n tokens with random K/V (returned per layer as [B, H, n, D]) and hands the policy
// random column sums when it asks for them; then runs afterForward.
struct Forward
{
    std::vector<at::Tensor> keys, values;
    cache::CompactionStats stats;
};

inline Forward forward(cache::KvCache &kv, cache::CachePolicy &policy, int64_t n,
                       int64_t tokensSeenBefore, cache::Phase phase,
                       const at::Tensor &importance = {})
{
    Forward f;
    const auto &L = kv.layout();
    kv.beginAppend(n, tokensSeenBefore);
    for (int l = 0; l < L.layers; ++l) {
        auto k = at::randn({L.batch, L.kvHeads, n, L.headDim}).to(L.dtype);
        auto v = at::randn({L.batch, L.kvHeads, n, L.headDim}).to(L.dtype);
        kv.writeAppended(l, k, v);
        f.keys.push_back(k);
        f.values.push_back(v);
        if (policy.needsAttention(phase)) {
            const int64_t S = kv.size() + n;
            auto cols = importance.defined() ? importance[l].narrow(1, 0, S).clone()
                                             : at::rand({L.batch, S});
            policy.observeAttention(kv, l, phase, cols);
        }
    }
    kv.commitAppend();
    f.stats = policy.afterForward(kv, {phase, tokensSeenBefore + n, n});
    return f;
}

inline cache::PolicyConfig config(const std::string &name, double keep, int64_t sinks = 1)
{
    cache::PolicyConfig c;
    c.name = name;
    c.budget.keepRatio = keep;
    c.sinks = sinks;
    return c;
}

} // namespace ec::test
