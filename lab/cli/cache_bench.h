// Measures what the policies cost: compaction time against cache size after a prompt, and the
// per-step overhead of afterForward during generation. Random K/V and importance; no model.
#pragma once

#include "cache/kv_cache.h"

#include <string>
#include <vector>

namespace ec::cache {

struct CacheBenchOptions
{
    std::vector<std::string> policies{"full", "local", "h2o", "elastic", "elastic-ref"};
    std::vector<int64_t> promptTokens{512, 1024, 2048, 4096};
    CacheLayout layout;        // layers, kvHeads, headDim, dtype (batch must be 1)
    double keepRatio = 0.5;
    int decodeSteps = 64;
};

struct CacheBenchRow
{
    std::string policy;
    int64_t promptTokens = 0;
    int64_t entriesAfter = 0;
    double compactMs = 0;      // afterForward after the prompt's prefill
    double decodeStepUs = 0;   // mean afterForward per generated token
};

std::vector<CacheBenchRow> benchCachePolicies(const CacheBenchOptions &options);

} // namespace ec::cache
