#include "cache/cache_policy.h"

#include "cache/elastic_policy.h"
#include "cache/full_policy.h"
#include "cache/h2o_policy.h"
#include "cache/local_policy.h"
#include "cache/reference_policies.h"
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

PositionMode CachePolicy::positionMode() const
{
    if (config_.positions != PositionMode::Default)
        return config_.positions;
    return config_.name.ends_with("-ref") ? PositionMode::Compact : PositionMode::True;
}

int64_t CachePolicy::firstPosition(const KvCache &cache, int64_t tokensSeenBefore) const
{
    return positionMode() == PositionMode::Compact ? cache.size() : tokensSeenBefore;
}

std::unique_ptr<CachePolicy> makePolicy(const PolicyConfig &config)
{
    if (config.sinks < 0)
        throw std::invalid_argument("cache policy: sinks must be >= 0");
    if (config.name == "full")
        return std::make_unique<FullPolicy>(config);
    if (config.name == "local")
        return std::make_unique<LocalPolicy>(config);
    if (config.name == "h2o")
        return std::make_unique<H2oPolicy>(config);
    if (config.name == "elastic")
        return std::make_unique<ElasticPolicy>(config, ElasticPolicy::Variant::Product);
    if (config.name == "elastic-paper")
        return std::make_unique<ElasticPolicy>(config, ElasticPolicy::Variant::Paper);
    if (config.name == "local-ref")
        return std::make_unique<LocalRefPolicy>(config);
    if (config.name == "h2o-ref")
        return std::make_unique<H2oRefPolicy>(config);
    if (config.name == "elastic-ref")
        return std::make_unique<ElasticRefPolicy>(config);
    throw std::invalid_argument("unknown cache policy '" + config.name +
                                "': use one of full, local, h2o, elastic, elastic-paper, "
                                "local-ref, h2o-ref, elastic-ref");
}

} // namespace ec::cache
