#include "lab/reference_policies/reference_policies.h"

#include "cache/kv_cache.h"

#include <stdexcept>

namespace ec::cache {

int64_t referenceEvictCount(int64_t cacheSize, int64_t tokensSeen, double keepRatio)
{
    const double kept = static_cast<double>(tokensSeen) * keepRatio;
    return static_cast<int64_t>(static_cast<double>(cacheSize) - kept); // truncates toward 0
}

void requireSingleSequence(const KvCache &cache)
{
    if (cache.layout().batch != 1)
        throw std::invalid_argument("reference-code cache policies run one sequence at a time; "
                                    "use local, h2o or elastic for batches");
}

void registerReferencePolicies()
{
    registerPolicy("local-ref", [](const PolicyConfig &c) {
        return std::make_unique<LocalRefPolicy>(c);
    });
    registerPolicy("h2o-ref", [](const PolicyConfig &c) {
        return std::make_unique<H2oRefPolicy>(c);
    });
    registerPolicy("elastic-ref", [](const PolicyConfig &c) {
        return std::make_unique<ElasticRefPolicy>(c);
    });
}

} // namespace ec::cache
