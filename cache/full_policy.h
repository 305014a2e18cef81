// The full cache: never compacts. The reference every other policy is measured against.
#pragma once

#include "cache/cache_policy.h"

namespace ec::cache {

class FullPolicy : public CachePolicy
{
public:
    using CachePolicy::CachePolicy;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;
};

} // namespace ec::cache
