#include "cache/cache_choice.h"

#include <algorithm>

namespace ec::cache {

const char *policyName(PolicyKind kind)
{
    switch (kind) {
    case PolicyKind::Elastic:
        return "elastic";
    case PolicyKind::H2o:
        return "h2o";
    case PolicyKind::Local:
        return "local";
    case PolicyKind::Full:
        return "full";
    }
    return "full";
}

std::optional<PolicyKind> policyKindFromName(std::string_view name)
{
    for (PolicyKind kind : kPolicyKinds) {
        if (name == policyName(kind))
            return kind;
    }
    return std::nullopt;
}

Budget CacheChoice::budget() const
{
    Budget b;
    b.maxBytes = capped() ? budgetBytes : 0;
    return b;
}

int64_t CacheChoice::bytesAfterCompaction(int64_t heldBytes) const
{
    return capped() ? std::min(heldBytes, budgetBytes) : heldBytes;
}

int64_t CacheChoice::entryCap(int64_t bytesPerToken) const
{
    return capped() && bytesPerToken > 0 ? budgetBytes / bytesPerToken : 0;
}

} // namespace ec::cache
