#include "cache/compaction.h"
#include "cache/kv_cache.h"
#include "lab/reference_policies/reference_policies.h"

#include <ATen/ATen.h>

#include <chrono>

namespace ec::cache {

void H2oRefPolicy::reset()
{
    OrderedPolicy::reset();
    score_.clear();
    pending_ = at::Tensor();
    layersSeen_ = 0;
}

void H2oRefPolicy::observeAttention(KvCache &, int, Phase, const at::Tensor &colSums)
{
    auto row = colSums[0].to(at::kFloat);
    pending_ = pending_.defined() ? pending_.add(row) : row.clone();
    ++layersSeen_;
}

CompactionStats H2oRefPolicy::afterForward(KvCache &cache, const ForwardInfo &info)
{
    auto start = std::chrono::steady_clock::now();
    requireSingleSequence(cache);
    auto stats = statsBefore(cache);
    syncOrder(cache);
    const int64_t S = cache.size(), s = config_.sinks;
    // score[:S] += mean over layers of the head-averaged column sums (decode rows included).
    if (score_.size() < static_cast<size_t>(S) + 1)
        score_.resize(S + 1, 0.0f); // one spare zero, like the reference's oversized buffer
    if (pending_.defined() && layersSeen_ > 0) {
        auto bySlot = (pending_ / layersSeen_).contiguous();
        const float *p = bySlot.data_ptr<float>();
        auto logical = order_.slots();
        for (int64_t i = 0; i < S; ++i)
            score_[i] += p[logical[i]];
    }
    pending_ = at::Tensor();
    layersSeen_ = 0;

    const int64_t f = referenceEvictCount(S, info.tokensSeen, config_.budget.keepRatio);
    if (f > 1) {
        // Q1: keeps the positions whose *rank* exceeds f, not the top-scored tokens; no sinks.
        auto scores = at::tensor(std::vector<float>(score_.begin(), score_.begin() + S - 1));
        auto rank = std::get<1>(scores.sort(/*stable=*/true, 0, /*descending=*/false));
        auto keepPos = at::nonzero(rank > f).view(-1);
        auto logical = order_.slots();
        std::vector<int64_t> kept;
        for (int64_t i = 0; i < keepPos.size(0); ++i)
            kept.push_back(logical[keepPos[i].item<int64_t>()]);
        kept.push_back(logical[S - 1]);
        auto keptSlots = at::tensor(kept, cache.tokenIndex(0).options()).unsqueeze(0);
        for (int l = 0; l < cache.layout().layers; ++l)
            applyPlan(cache, l, keepOnlyPlan(keptSlots, S), stats);
        cache.setSize(keptSlots.size(1));
        order_.reset(cache.size(), 0); // Q5: score_ stays as it was
    } else if (f == 1 && S - 1 > s) {
        int64_t idx = s;
        for (int64_t i = s + 1; i < S - 1; ++i)
            if (score_[i] < score_[idx])
                idx = i;
        order_.removeAt(cache, idx);
        // score[idx:-1] = score[idx+1:]: the last element keeps its value.
        std::copy(score_.begin() + idx + 1, score_.end(), score_.begin() + idx);
        stats.evicted += cache.layout().layers;
    }
    finishStats(cache, stats, millisecondsSince(start));
    return stats;
}

} // namespace ec::cache
