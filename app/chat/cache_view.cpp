#include "app/chat/cache_view.h"

#include <algorithm>

namespace ec::app {

CacheView makeCacheView(const cache::CacheChoice &choice, const std::optional<ModelView> &model,
                        const QList<TurnMetrics> &turns)
{
    CacheView v;
    v.choice = choice;
    if (model) {
        v.bytesPerToken = model->bytesPerToken;
        v.maxBytes = model->bytesPerToken * model->maxContext;
    }
    qint64 fullEntries = 0;
    qint64 previousAfter = 0;
    for (const TurnMetrics &turn : turns) {
        // Without compaction the cache keeps every prompt token and every generated one.
        fullEntries += std::max<qint64>(0, turn.entriesBefore - previousAfter) + turn.decodeTokens;
        previousAfter = turn.entriesAfter;
    }
    if (!turns.isEmpty()) {
        v.heldBytes = turns.last().bytesAfter;
        v.heldEntries = turns.last().entriesAfter;
    }
    v.fullBytes = fullEntries * v.bytesPerToken;
    return v;
}

} // namespace ec::app
