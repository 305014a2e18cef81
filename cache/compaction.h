// Applying a compaction plan to one layer of the store, and the pieces policies share.
#pragma once

#include "cache/cache_policy.h"

#include <ATen/core/Tensor.h>

#include <chrono>

namespace ec::cache {

// One layer's plan over its S live slots. assign [B, S] int64: the output slot (0..M-1) each live
// slot folds into, -1 to drop it. anchors [B, M] int64: the live slot whose token index output
// slot m keeps. K and V become bucket means; importance and merge counts are summed.
struct LayerPlan
{
    at::Tensor assign;
    at::Tensor anchors;
};

// Rewrites slots [0, M) of `layer` per `plan`; adds the merged/evicted counts to `stats`.
// The caller sets the cache size to M once every layer is done.
void applyPlan(KvCache &cache, int layer, const LayerPlan &plan, CompactionStats &stats);

// Slots of a layer's sequence `b` sorted by original token index, [S] int64.
at::Tensor slotsInTokenOrder(const KvCache &cache, int layer, int64_t b);
// The same for every sequence at once, over the first `slots` slots: [B, slots] int64.
at::Tensor allSlotsInTokenOrder(const KvCache &cache, int layer, int64_t slots);

// Plan that keeps the listed slots (each [B, M], in output order) and drops the rest.
LayerPlan keepOnlyPlan(const at::Tensor &keptSlots, int64_t liveSlots);

// Copies slot `from` into slot `to` in one layer and sequence (K, V and metadata).
void moveSlotInLayer(KvCache &cache, int layer, int64_t b, int64_t from, int64_t to);

// The score-ranked policies' compaction (H2O, SnapKV): every layer keeps the `goal` entries of
// highest importance (ties: the earlier token), those from token `firstProtected` on counting as
// +inf, and stays in token order; one entry over during generation is the newest overwriting the
// lowest in place. Sets the cache size to `goal`.
void keepMostImportant(KvCache &cache, Phase phase, int64_t goal, int64_t firstProtected,
                       CompactionStats &stats);

double millisecondsSince(std::chrono::steady_clock::time_point start);

// Statistics shell with the cache's state before a compaction.
CompactionStats statsBefore(const KvCache &cache);
void finishStats(const KvCache &cache, CompactionStats &stats, double milliseconds);

} // namespace ec::cache
