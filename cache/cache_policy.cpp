#include "cache/cache_policy.h"

#include "cache/elastic_policy.h"
#include "cache/full_policy.h"
#include "cache/h2o_policy.h"
#include "cache/local_policy.h"
#include "cache/snapkv_policy.h"
#include "cache/kv_cache.h"

#include <map>
#include <mutex>
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
    return config_.positions == PositionMode::Default ? PositionMode::True : config_.positions;
}

int64_t CachePolicy::firstPosition(const KvCache &cache, int64_t tokensSeenBefore) const
{
    return positionMode() == PositionMode::Compact ? cache.size() : tokensSeenBefore;
}

namespace {

const char *const kProductPolicies[] = {"full",   "local",   "h2o",
                                        "snapkv", "elastic", "elastic-paper"};

struct Registry
{
    std::mutex mutex;
    std::map<std::string, PolicyFactory> factories;
};

Registry &registry()
{
    static Registry instance;
    return instance;
}

} // namespace

void registerPolicy(const std::string &name, PolicyFactory factory)
{
    for (const char *builtIn : kProductPolicies) {
        if (name == builtIn)
            throw std::invalid_argument("cache policy '" + name + "' is built in");
    }
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    r.factories[name] = std::move(factory);
}

std::vector<std::string> knownPolicyNames()
{
    std::vector<std::string> names(std::begin(kProductPolicies), std::end(kProductPolicies));
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto &entry : r.factories)
        names.push_back(entry.first);
    return names;
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
    if (config.name == "snapkv")
        return std::make_unique<SnapKvPolicy>(config);
    if (config.name == "elastic")
        return std::make_unique<ElasticPolicy>(config, ElasticPolicy::Variant::Product);
    if (config.name == "elastic-paper")
        return std::make_unique<ElasticPolicy>(config, ElasticPolicy::Variant::Paper);
    PolicyFactory factory;
    {
        Registry &r = registry();
        std::lock_guard lock(r.mutex);
        if (auto it = r.factories.find(config.name); it != r.factories.end())
            factory = it->second;
    }
    if (factory)
        return factory(config);
    std::string known;
    for (const std::string &name : knownPolicyNames())
        known += (known.empty() ? "" : ", ") + name;
    throw std::invalid_argument("unknown cache policy '" + config.name + "': use one of " + known);
}

} // namespace ec::cache
