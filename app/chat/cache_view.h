// What the cache panel shows before a turn, from the cache choice, the loaded model and the
// conversation's per-turn statistics.
#pragma once

#include "app/chat/chat_types.h"

#include <optional>

namespace ec::app {

CacheView makeCacheView(const cache::CacheChoice &choice, const std::optional<ModelView> &model,
                        const QList<TurnMetrics> &turns);

} // namespace ec::app
