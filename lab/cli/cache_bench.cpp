#include "lab/cli/cache_bench.h"

#include "cache/cache_policy.h"

#include <ATen/ATen.h>

#include <chrono>

namespace ec::cache {

namespace {

using Clock = std::chrono::steady_clock;

void appendRandom(KvCache &kv, CachePolicy &policy, int64_t n, int64_t seen, Phase phase)
{
    const auto &L = kv.layout();
    kv.beginAppend(n, seen);
    for (int l = 0; l < L.layers; ++l) {
        auto k = at::randn({L.batch, L.kvHeads, n, L.headDim}).to(L.dtype);
        kv.writeAppended(l, k, k);
        if (policy.needsAttention(phase))
            policy.observeAttention(kv, l, phase, at::rand({L.batch, kv.size() + n}));
    }
    kv.commitAppend();
}

} // namespace

std::vector<CacheBenchRow> benchCachePolicies(const CacheBenchOptions &options)
{
    std::vector<CacheBenchRow> rows;
    for (const auto &name : options.policies) {
        for (int64_t T : options.promptTokens) {
            PolicyConfig config;
            config.name = name;
            config.budget.keepRatio = options.keepRatio;
            auto policy = makePolicy(config);
            KvCache kv(options.layout, 256);
            kv.reserve(T + options.decodeSteps);
            appendRandom(kv, *policy, T, 0, Phase::Prefill);
            auto t0 = Clock::now();
            auto stats = policy->afterForward(kv, {Phase::Prefill, T});
            double compactMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
            double decodeUs = 0;
            for (int step = 0; step < options.decodeSteps; ++step) {
                appendRandom(kv, *policy, 1, T + step, Phase::Decode);
                auto s0 = Clock::now();
                policy->afterForward(kv, {Phase::Decode, T + step + 1});
                decodeUs += std::chrono::duration<double, std::micro>(Clock::now() - s0).count();
            }
            rows.push_back({name, T, stats.entriesAfter, compactMs,
                            options.decodeSteps ? decodeUs / options.decodeSteps : 0});
        }
    }
    return rows;
}

} // namespace ec::cache
