#include "kernels/attention_stats.h"

#include "kernels/cuda_dispatch.h"

#include <ATen/ATen.h>
#include <limits>
#include <stdexcept>

namespace ec::kernels {

namespace {

void checkShapes(const at::Tensor &q, const at::Tensor &k)
{
    if (q.dim() != 4 || k.dim() != 4)
        throw std::invalid_argument("attention: q and k must be [B, H, T, D]");
    if (q.size(0) != k.size(0) || q.size(3) != k.size(3))
        throw std::invalid_argument("attention: q and k differ in batch or head dim");
    if (q.size(1) % k.size(1) != 0)
        throw std::invalid_argument("attention: query heads must be a multiple of key heads");
    if (q.size(2) > k.size(2))
        throw std::invalid_argument("attention: more queries than keys");
}

// K or V as float32 [B * Hkv, Tk, D], converted once for all chunks.
at::Tensor flatFloat(const at::Tensor &t)
{
    return t.to(at::kFloat).contiguous().view({t.size(0) * t.size(1), t.size(2), t.size(3)});
}

// Scores of query rows [row0, row0 + rows) against the keys they can see, [0, visible):
// float32 [B, Hkv, rep, rows, visible], causal-masked. One batched matmul per chunk (the query
// heads of a group share their key head), and no work on keys no row of the chunk sees.
at::Tensor chunkScores(const at::Tensor &q, const at::Tensor &kFlat, int64_t Hkv, double scale,
                       int64_t row0, int64_t rows, int64_t &visible)
{
    const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
    const int64_t Tk = kFlat.size(1), rep = H / Hkv;
    const int64_t firstPos = Tk - Tq + row0; // absolute position of query row0
    visible = firstPos + rows;
    at::Tensor qc = q.narrow(2, row0, rows).to(at::kFloat).reshape({B * Hkv, rep * rows, D});
    at::Tensor scores = at::bmm(qc, kFlat.narrow(1, 0, visible).transpose(1, 2)).mul_(scale);
    scores = scores.view({B, Hkv, rep, rows, visible});
    if (rows > 1) {
        // Row r sees keys up to firstPos + r; only the last `rows` keys can be hidden.
        at::Tensor hidden = at::ones({rows, rows}, q.options().dtype(at::kBool)).triu(1);
        scores.narrow(4, firstPos, rows)
            .masked_fill_(hidden, -std::numeric_limits<float>::infinity());
    }
    return scores;
}

} // namespace

AttentionWithStats attentionWithColumnSums(const at::Tensor &q, const at::Tensor &k,
                                           const at::Tensor &v, double scale, int64_t chunkRows)
{
    checkShapes(q, k);
    const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
    const int64_t Hkv = k.size(1), Tk = k.size(2), rep = H / Hkv;
    if (q.is_cuda() && Tq == 1) {
        // A decode step on a GPU: flash attention reads K and V once in their own dtype, where
        // the chunks below convert both to fp32 first (no measurable speed change at the 7B
        // shape on an H200, but no fp32 temporaries; docs/results.md).
        at::Tensor out, lse;
        if (detail::cudaFlashDecode(q, k, v, scale, out, lse))
            return {out, attentionColumnSumsFromLse(q, k, lse, scale)};
    }
    chunkRows = std::max<int64_t>(1, chunkRows);
    const at::Tensor kf = flatFloat(k), vf = flatFloat(v);
    at::Tensor out = at::empty({B, H, Tq, D}, q.options());
    at::Tensor colSums = at::zeros({B, Tk}, q.options().dtype(at::kFloat));
    for (int64_t row0 = 0; row0 < Tq; row0 += chunkRows) {
        const int64_t rows = std::min(chunkRows, Tq - row0);
        int64_t visible = 0;
        at::Tensor probs = at::softmax(chunkScores(q, kf, Hkv, scale, row0, rows, visible), -1);
        colSums.narrow(1, 0, visible).add_(probs.sum({1, 2, 3}));
        at::Tensor o =
            at::bmm(probs.view({B * Hkv, rep * rows, visible}), vf.narrow(1, 0, visible));
        out.narrow(2, row0, rows).copy_(o.view({B, H, rows, D}));
    }
    colSums.div_(static_cast<double>(H));
    return {out, colSums};
}

at::Tensor attentionColumnSumsFromLse(const at::Tensor &q, const at::Tensor &k,
                                      const at::Tensor &lse, double scale, int64_t chunkRows)
{
    checkShapes(q, k);
    const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2);
    const int64_t Hkv = k.size(1), Tk = k.size(2), rep = H / Hkv;
    if (lse.sizes() != at::IntArrayRef({B, H, Tq}))
        throw std::invalid_argument("attention: lse must be [B, H, Tq]");
    if (q.is_cuda())
        return detail::cudaColumnSumsFromLse(q, k, lse, scale);
    chunkRows = std::max<int64_t>(1, chunkRows);
    const at::Tensor kf = flatFloat(k);
    at::Tensor colSums = at::zeros({B, Tk}, q.options().dtype(at::kFloat));
    at::Tensor lse5 = lse.to(at::kFloat).reshape({B, Hkv, rep, Tq, 1});
    for (int64_t row0 = 0; row0 < Tq; row0 += chunkRows) {
        const int64_t rows = std::min(chunkRows, Tq - row0);
        int64_t visible = 0;
        at::Tensor scores = chunkScores(q, kf, Hkv, scale, row0, rows, visible);
        at::Tensor probs = scores.sub_(lse5.narrow(3, row0, rows)).exp_();
        colSums.narrow(1, 0, visible).add_(probs.sum({1, 2, 3}));
    }
    return colSums.div_(static_cast<double>(H));
}

} // namespace ec::kernels
