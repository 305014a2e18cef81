#include "cache/compaction.h"

#include "cache/kv_cache.h"
#include "kernels/merge_compact.h"

#include <ATen/ATen.h>

#include <limits>

namespace ec::cache {

void applyPlan(KvCache &cache, int layer, const LayerPlan &plan, CompactionStats &stats)
{
    const int64_t B = cache.layout().batch;
    const int64_t S = plan.assign.size(1);
    const int64_t M = plan.anchors.size(1);
    kernels::mergeCompact(cache.keyStorage(layer), cache.valueStorage(layer), plan.assign, M);

    auto &tok = cache.tokenIndex(layer);
    auto &imp = cache.importance(layer);
    auto &cnt = cache.mergeCount(layer);
    for (int64_t b = 0; b < B; ++b) {
        auto a = plan.assign[b];
        auto live = at::nonzero(a >= 0).view(-1);
        auto targets = a.index_select(0, live);
        auto newImp = at::zeros({M}, imp.options()).index_add_(
            0, targets, imp[b].narrow(0, 0, S).index_select(0, live));
        auto newCnt = at::zeros({M}, cnt.options()).index_add_(
            0, targets, cnt[b].narrow(0, 0, S).index_select(0, live));
        auto newTok = tok[b].index_select(0, plan.anchors[b]);
        tok[b].narrow(0, 0, M).copy_(newTok);
        imp[b].narrow(0, 0, M).copy_(newImp);
        cnt[b].narrow(0, 0, M).copy_(newCnt);
        const int64_t kept = live.numel();
        stats.evicted += S - kept;
        stats.merged += kept - M;
    }
}

at::Tensor slotsInTokenOrder(const KvCache &cache, int layer, int64_t b)
{
    auto tok = cache.tokenIndex(layer)[b].narrow(0, 0, cache.size());
    return std::get<1>(tok.sort(/*stable=*/true, 0, false));
}

at::Tensor allSlotsInTokenOrder(const KvCache &cache, int layer, int64_t slots)
{
    const at::Tensor tok = cache.tokenIndex(layer).narrow(1, 0, slots);
    return std::get<1>(tok.sort(/*stable=*/true, 1, /*descending=*/false));
}

LayerPlan keepOnlyPlan(const at::Tensor &keptSlots, int64_t liveSlots)
{
    const int64_t B = keptSlots.size(0), M = keptSlots.size(1);
    auto assign = at::full({B, liveSlots}, -1, keptSlots.options().dtype(at::kLong));
    auto outSlot = at::arange(M, assign.options()).unsqueeze(0).expand({B, M}).contiguous();
    assign.scatter_(1, keptSlots, outSlot);
    return {assign, keptSlots};
}

namespace {

// Keeps the `goal` highest of `score` [B, S] in each sequence, in token order.
LayerPlan keepHighestPlan(const KvCache &cache, int layer, const at::Tensor &score,
                          int64_t goal)
{
    const at::Tensor order = allSlotsInTokenOrder(cache, layer, score.size(1));
    // A stable sort in token order: among equal scores the earlier token wins.
    const at::Tensor byScore =
        std::get<1>(score.gather(1, order).sort(/*stable=*/true, 1, /*descending=*/true));
    const at::Tensor kept = std::get<0>(byScore.narrow(1, 0, goal).sort(1));
    return keepOnlyPlan(order.gather(1, kept), score.size(1));
}

// The newest slot (which scores highest) overwrites the lowest-scored one in each sequence.
void replaceLowest(KvCache &cache, int layer, const at::Tensor &score, CompactionStats &stats)
{
    const int64_t B = cache.layout().batch, newest = score.size(1) - 1;
    const at::Tensor victims = score.argmin(1).cpu();
    for (int64_t b = 0; b < B; ++b)
        moveSlotInLayer(cache, layer, b, newest, victims[b].item<int64_t>());
    stats.evicted += B;
}

} // namespace

void keepMostImportant(KvCache &cache, Phase phase, int64_t goal, int64_t firstProtected,
                       CompactionStats &stats)
{
    const int64_t S = cache.size();
    for (int l = 0; l < cache.layout().layers; ++l) {
        auto tok = cache.tokenIndex(l).narrow(1, 0, S);
        auto score = cache.importance(l).narrow(1, 0, S).clone();
        score.masked_fill_(tok >= firstProtected, std::numeric_limits<float>::infinity());
        if (phase == Phase::Decode && S == goal + 1)
            replaceLowest(cache, l, score, stats);
        else
            applyPlan(cache, l, keepHighestPlan(cache, l, score, goal), stats);
    }
    cache.setSize(goal);
}

void moveSlotInLayer(KvCache &cache, int layer, int64_t b, int64_t from, int64_t to)
{
    if (from == to)
        return;
    for (auto *kv : {&cache.keyStorage(layer), &cache.valueStorage(layer)})
        (*kv)[b].select(1, to).copy_((*kv)[b].select(1, from));
    for (auto *meta : {&cache.tokenIndex(layer), &cache.importance(layer), &cache.mergeCount(layer)})
        (*meta)[b][to].copy_((*meta)[b][from]);
}

double millisecondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
}

CompactionStats statsBefore(const KvCache &cache)
{
    CompactionStats stats;
    stats.entriesBefore = cache.size();
    stats.bytesBefore = cache.bytesInUse();
    return stats;
}

void finishStats(const KvCache &cache, CompactionStats &stats, double milliseconds)
{
    stats.entriesAfter = cache.size();
    stats.bytesAfter = cache.bytesInUse();
    stats.milliseconds = milliseconds;
}

} // namespace ec::cache
