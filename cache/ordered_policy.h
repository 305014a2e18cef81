// Base of the policies that evict by logical (arrival) position: keeps a SlotOrder in step with
// the slots the engine appends.
#pragma once

#include "cache/cache_policy.h"
#include "cache/slot_order.h"

namespace ec::cache {

class OrderedPolicy : public CachePolicy
{
public:
    using CachePolicy::CachePolicy;
    void reset() override { order_.clear(); }

protected:
    // Appends the slots committed since the last call (they are the newest, in order).
    void syncOrder(const KvCache &cache);
    // Entries the budget allows after `tokensSeen` tokens, protecting `floor` entries.
    int64_t target(const KvCache &cache, int64_t tokensSeen, int64_t floor) const;

    SlotOrder order_;
};

} // namespace ec::cache
