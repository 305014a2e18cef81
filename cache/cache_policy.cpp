#include "cache/cache_policy.h"

#include "cache/full_policy.h"
#include "cache/kv_cache.h"

#include <stdexcept>

namespace ec::cache {

void CompactionStats::accumulate(const CompactionStats &next)
{
    entriesAfter = next.entriesAfter;
    bytesAfter = next.bytesAfter;
    merged += next.merged;
    evicted += next.evicted;
    milliseconds += next.milliseconds;
}

int64_t CachePolicy::firstPosition(const KvCache &cache, int64_t tokensSeenBefore) const
{
    return config_.positions == PositionMode::Compact ? cache.size() : tokensSeenBefore;
}

std::unique_ptr<CachePolicy> makePolicy(const PolicyConfig &config)
{
    if (config.name == "full")
        return std::make_unique<FullPolicy>(config);
    throw std::invalid_argument("unknown cache policy '" + config.name +
                                "': use one of full, local, h2o, elastic, local-ref, h2o-ref, "
                                "elastic-ref");
}

} // namespace ec::cache
