#include "cache/full_policy.h"

#include "cache/kv_cache.h"

namespace ec::cache {

CompactionStats FullPolicy::afterForward(KvCache &cache, const ForwardInfo &)
{
    CompactionStats stats;
    stats.entriesBefore = stats.entriesAfter = cache.size();
    stats.bytesBefore = stats.bytesAfter = cache.bytesInUse();
    return stats;
}

} // namespace ec::cache
