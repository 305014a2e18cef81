#include "cache/forward_step.h"

#include "kernels/attention.h"
#include "kernels/attention_stats.h"

#include <cmath>
#include <stdexcept>

namespace ec::cache {

ForwardStep::ForwardStep(KvCache &cache, CachePolicy &policy, Phase phase, int64_t tokensSeenBefore,
                         int64_t newTokens)
    : cache_(cache)
    , policy_(policy)
    , phase_(phase)
    , tokensSeenBefore_(tokensSeenBefore)
    , newTokens_(newTokens)
{
}

ForwardStep::~ForwardStep()
{
    if (begun_ && !committed_)
        cache_.abortAppend(); // drop the half-written slots
}

int64_t ForwardStep::firstPosition() const
{
    return policy_.firstPosition(cache_, tokensSeenBefore_);
}

at::Tensor ForwardStep::attend(int layer, const at::Tensor &q, const at::Tensor &k,
                               const at::Tensor &v)
{
    if (committed_)
        throw std::logic_error("ForwardStep::attend after commit");
    if (!begun_) {
        // Lazily, so that a forward that fails on its inputs never touches the store.
        cache_.beginAppend(newTokens_, tokensSeenBefore_);
        begun_ = true;
    }
    cache_.writeAppended(layer, k, v);
    const int64_t slots = cache_.size() + cache_.pending();
    at::Tensor keys = cache_.keys(layer, slots), values = cache_.values(layer, slots);
    const double scale = 1.0 / std::sqrt(double(q.size(-1)));
    const int64_t n = q.size(2);
    const int64_t window = policy_.observationWindow(phase_);
    const bool observed = policy_.needsAttention(phase_);
    if (observed && (window <= 0 || window >= n)) {
        auto res = kernels::attentionWithColumnSums(q, keys, values, scale);
        policy_.observeAttention(cache_, layer, phase_, res.columnSums);
        return res.output;
    }
    if (observed) {
        // Only the newest `window` queries are observed (they are the last of the keys too).
        auto tail = kernels::attentionWithColumnSums(q.narrow(2, n - window, window).contiguous(),
                                                     keys, values, scale);
        policy_.observeAttention(cache_, layer, phase_, tail.columnSums);
    }
    if (n > 1 && !q.is_cuda()) {
        // CPU prefill: torch's masked SDPA scores all S x S pairs, the chunked kernel only the
        // keys each row can see; it halved prefill time on the demo model (docs/results.md).
        return kernels::attentionWithColumnSums(q, keys, values, scale).output;
    }
    return kernels::attention(q, keys, values, /*causalTail=*/true);
}

CompactionStats ForwardStep::commit()
{
    if (committed_)
        throw std::logic_error("ForwardStep::commit twice");
    if (!begun_)
        throw std::logic_error("ForwardStep::commit before any layer attended");
    cache_.commitAppend();
    committed_ = true;
    return policy_.afterForward(cache_, {phase_, tokensSeenBefore_ + newTokens_, newTokens_});
}

} // namespace ec::cache
