// elastic-lab bench cache: compaction time against cache size, and per-token decode overhead of
// each policy (random K/V and importance at a chosen model shape; no model weights needed).
#include "lab/cli/bench.h"
#include "lab/cli/cache_bench.h"
#include "engine/runtime.h"

#include <cstdio>

namespace ec::cli {

int runCacheBench(const CacheBenchCliOptions &options)
{
    engine::initRuntime();
    cache::CacheBenchOptions bench;
    if (!options.policies.empty())
        bench.policies = options.policies;
    if (!options.tokens.empty())
        bench.promptTokens = options.tokens;
    bench.layout.layers = options.layers;
    bench.layout.kvHeads = options.heads;
    bench.layout.headDim = options.headDim;
    bench.layout.dtype = options.dtype == "f32" ? at::kFloat : at::kBFloat16;
    bench.keepRatio = options.budget;
    bench.decodeSteps = options.decodeSteps;
    std::printf("# cache policies: %d layers x %d kv heads x %d dim, %s, budget %.2f, %d decode "
                "steps\n\n",
                options.layers, options.heads, options.headDim, options.dtype.c_str(),
                options.budget, options.decodeSteps);
    std::printf("| policy | prompt tokens | entries after | compaction ms | decode overhead "
                "us/token |\n|---|---:|---:|---:|---:|\n");
    for (const auto &row : cache::benchCachePolicies(bench))
        std::printf("| %s | %lld | %lld | %.2f | %.1f |\n", row.policy.c_str(),
                    static_cast<long long>(row.promptTokens),
                    static_cast<long long>(row.entriesAfter), row.compactMs, row.decodeStepUs);
    return 0;
}

} // namespace ec::cli
