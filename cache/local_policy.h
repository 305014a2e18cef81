// StreamingLLM ("Local"): the first `sinks` tokens plus the most recent ones.
#pragma once

#include "cache/ordered_policy.h"

namespace ec::cache {

class LocalPolicy : public OrderedPolicy
{
public:
    using OrderedPolicy::OrderedPolicy;
    CompactionStats afterForward(KvCache &cache, const ForwardInfo &info) override;
};

} // namespace ec::cache
