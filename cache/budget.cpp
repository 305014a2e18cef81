#include "cache/budget.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ec::cache {

int64_t Budget::targetEntries(int64_t tokensSeen, int64_t bytesPerToken, int64_t floor) const
{
    if (!(keepRatio > 0.0 && keepRatio <= 1.0))
        throw std::invalid_argument("budget: keep ratio must be in (0, 1]");
    // The epsilon keeps 0.3 * 10 = 3.0000000000000004 from rounding up to 4.
    auto target = static_cast<int64_t>(std::ceil(keepRatio * static_cast<double>(tokensSeen) - 1e-9));
    if (maxTokens > 0)
        target = std::min(target, maxTokens);
    if (maxBytes > 0 && bytesPerToken > 0)
        target = std::min(target, maxBytes / bytesPerToken);
    return std::min(std::max(target, floor), tokensSeen);
}

} // namespace ec::cache
