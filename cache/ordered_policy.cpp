#include "cache/ordered_policy.h"

#include "cache/kv_cache.h"

namespace ec::cache {

void OrderedPolicy::syncOrder(const KvCache &cache)
{
    if (cache.size() < order_.size())
        order_.clear(); // the engine cleared the cache: a new conversation
    for (int64_t slot = order_.size(); slot < cache.size(); ++slot)
        order_.append(slot);
}

int64_t OrderedPolicy::target(const KvCache &cache, int64_t tokensSeen, int64_t floor) const
{
    return config_.budget.targetEntries(tokensSeen, cache.layout().bytesPerToken(), floor);
}

} // namespace ec::cache
