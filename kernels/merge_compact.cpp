#include "kernels/merge_compact.h"

#include "kernels/cuda_dispatch.h"

#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>
#include <cstring>
#include <stdexcept>
#include <vector>

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

// One sequence's live slots grouped by bucket: bucket m's slots are order[offsets[m] ..
// offsets[m + 1]), in slot order (a stable counting sort, so the sums below are deterministic).
struct Buckets
{
    std::vector<int64_t> offsets, order;
};

Buckets groupByBucket(const int64_t *assign, int64_t liveSlots, int64_t outSlots)
{
    Buckets g;
    g.offsets.assign(outSlots + 1, 0);
    for (int64_t s = 0; s < liveSlots; ++s)
        if (assign[s] >= 0)
            ++g.offsets[assign[s] + 1];
    for (int64_t m = 0; m < outSlots; ++m)
        g.offsets[m + 1] += g.offsets[m];
    std::vector<int64_t> cursor(g.offsets.begin(), g.offsets.end() - 1);
    g.order.resize(g.offsets[outSlots]);
    for (int64_t s = 0; s < liveSlots; ++s)
        if (assign[s] >= 0)
            g.order[cursor[assign[s]]++] = s;
    return g;
}

// sum[d] += row[d], written so that the compiler vectorises it: bf16 widens by a shift (the
// same value c10's conversion gives), the other types convert element by element.
template <typename T> void addRow(float *__restrict sum, const T *__restrict row, int64_t n)
{
    for (int64_t d = 0; d < n; ++d)
        sum[d] += static_cast<float>(row[d]);
}

template <>
void addRow<c10::BFloat16>(float *__restrict sum, const c10::BFloat16 *__restrict row, int64_t n)
{
    for (int64_t d = 0; d < n; ++d) {
        const uint32_t bits = uint32_t(row[d].x) << 16;
        float value;
        std::memcpy(&value, &bits, sizeof value);
        sum[d] += value;
    }
}

// Bucket means of sequence b of one storage tensor, fp32 sums in slot order. All means go to
// `scratch` [H, M, D] before any slot is written: a source slot may lie in [0, M).
template <typename T>
void mergeSequence(at::Tensor &storage, int64_t b, const Buckets &g, int64_t outSlots,
                   std::vector<T> &scratch)
{
    const int64_t H = storage.size(1), D = storage.size(3);
    const int64_t sH = storage.stride(1), sC = storage.stride(2), sD = storage.stride(3);
    T *base = storage.data_ptr<T>() + b * storage.stride(0);
    scratch.resize(size_t(H * outSlots * D));
    at::parallel_for(0, outSlots * H, 16, [&](int64_t begin, int64_t end) {
        std::vector<float> sum(static_cast<size_t>(D));
        for (int64_t i = begin; i < end; ++i) {
            const int64_t m = i / H, h = i % H;
            const int64_t first = g.offsets[m], count = g.offsets[m + 1] - first;
            if (count == 0)
                continue;
            std::fill(sum.begin(), sum.end(), 0.0f);
            for (int64_t e = first; e < first + count; ++e) {
                const T *row = base + h * sH + g.order[e] * sC;
                if (sD == 1) {
                    addRow(sum.data(), row, D);
                } else {
                    for (int64_t d = 0; d < D; ++d)
                        sum[d] += static_cast<float>(row[d * sD]);
                }
            }
            T *out = scratch.data() + (h * outSlots + m) * D;
            for (int64_t d = 0; d < D; ++d)
                out[d] = static_cast<T>(sum[d] / static_cast<float>(count));
        }
    });
    at::parallel_for(0, outSlots * H, 64, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const int64_t m = i / H, h = i % H;
            if (g.offsets[m + 1] == g.offsets[m])
                continue; // an empty bucket keeps its slot
            const T *in = scratch.data() + (h * outSlots + m) * D;
            T *row = base + h * sH + m * sC;
            for (int64_t d = 0; d < D; ++d)
                row[d * sD] = in[d];
        }
    });
}

} // namespace

void mergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign, int64_t outSlots)
{
    checkMergeArgs(keys, values, assign, outSlots);
    if (outSlots == 0)
        return;
    if (keys.is_cuda()) {
        detail::cudaMergeCompact(keys, values, assign, outSlots);
        return;
    }
    if (values.scalar_type() != keys.scalar_type())
        throw std::invalid_argument("mergeCompact: K and V differ in dtype");
    const at::Tensor a = assign.cpu().contiguous();
    // Validate every sequence before touching the storage.
    if (a.numel() > 0 && a.max().item<int64_t>() >= outSlots)
        throw std::invalid_argument("mergeCompact: assign names a slot >= outSlots");
    const int64_t S = a.size(1);
    for (int64_t b = 0; b < keys.size(0); ++b) {
        const Buckets g = groupByBucket(a.data_ptr<int64_t>() + b * S, S, outSlots);
        AT_DISPATCH_FLOATING_TYPES_AND2(
            at::kHalf, at::kBFloat16, keys.scalar_type(), "mergeCompact", [&] {
                std::vector<scalar_t> scratch;
                mergeSequence<scalar_t>(keys, b, g, outSlots, scratch);
                mergeSequence<scalar_t>(values, b, g, outSlots, scratch);
            });
    }
}

} // namespace ec::kernels
