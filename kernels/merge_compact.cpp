#include "kernels/merge_compact.h"

#include "kernels/cuda_dispatch.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace ec::kernels {

namespace {

void checkMergeArgs(const at::Tensor &keys, const at::Tensor &values, const at::Tensor &assign,
                    int64_t outSlots)
{
    if (keys.dim() != 4 || values.sizes() != keys.sizes())
        throw std::invalid_argument("mergeCompact: K and V must be [B, H, C, D] of one shape");
    if (assign.dim() != 2 || assign.size(0) != keys.size(0) || assign.size(1) > keys.size(2))
        throw std::invalid_argument("mergeCompact: assign must be [B, S] with S <= capacity");
    if (assign.scalar_type() != at::kLong)
        throw std::invalid_argument("mergeCompact: assign must be int64");
    if (outSlots < 0 || outSlots > keys.size(2))
        throw std::invalid_argument("mergeCompact: outSlots out of range");
}

// Bucket means of one sequence's live slots, [H, outSlots, D] float32, and the bucket sizes.
at::Tensor bucketMeans(const at::Tensor &storage, const at::Tensor &slots,
                       const at::Tensor &targets, const at::Tensor &counts, int64_t outSlots)
{
    auto sums = at::zeros({storage.size(0), outSlots, storage.size(2)},
                          storage.options().dtype(at::kFloat));
    sums.index_add_(1, targets, storage.index_select(1, slots).to(at::kFloat));
    return sums.div_(counts.clamp_min(1).to(at::kFloat).view({1, outSlots, 1}));
}

} // namespace

void mergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign,
                  int64_t outSlots)
{
    checkMergeArgs(keys, values, assign, outSlots);
    if (outSlots == 0)
        return;
    if (keys.is_cuda()) {
        detail::cudaMergeCompact(keys, values, assign, outSlots);
        return;
    }
    for (int64_t b = 0; b < keys.size(0); ++b) {
        auto a = assign[b];
        auto slots = at::nonzero(a >= 0).view(-1);
        auto targets = a.index_select(0, slots);
        if (targets.numel() > 0 && targets.max().item<int64_t>() >= outSlots)
            throw std::invalid_argument("mergeCompact: assign names a slot >= outSlots");
        auto counts = at::bincount(targets, {}, outSlots);
        auto filled = at::nonzero(counts > 0).view(-1);
        for (at::Tensor *storage : {&keys, &values}) {
            auto layer = (*storage)[b];
            auto means = bucketMeans(layer, slots, targets, counts, outSlots);
            // Write only the buckets that received entries; empty ones keep their contents.
            layer.index_copy_(1, filled, means.index_select(1, filled).to(layer.scalar_type()));
        }
    }
}

} // namespace ec::kernels
