#include "kernels/attention_stats.h"

#include "kernels/cuda_dispatch.h"

#include <ATen/ATen.h>

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

// Scores of query rows [row0, row0 + rows) as [B, Hkv, rep, rows, Tk] in float32, causal-masked.
at::Tensor maskedScores(const at::Tensor &q, const at::Tensor &k, double scale, int64_t row0,
                        int64_t rows)
{
    const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
    const int64_t Hkv = k.size(1), Tk = k.size(2), rep = H / Hkv;
    at::Tensor qc = q.narrow(2, row0, rows).to(at::kFloat).reshape({B, Hkv, rep, rows, D});
    at::Tensor kf = k.to(at::kFloat).unsqueeze(2); // [B, Hkv, 1, Tk, D]
    at::Tensor scores = at::matmul(qc, kf.transpose(-1, -2)).mul_(scale);
    // Query row r (absolute position Tk - Tq + row0 + r) sees keys up to that position.
    const int64_t firstPos = Tk - Tq + row0;
    {
        at::Tensor keyIdx = at::arange(Tk, q.options().dtype(at::kLong));
        at::Tensor rowPos = at::arange(firstPos, firstPos + rows, q.options().dtype(at::kLong));
        at::Tensor hidden = keyIdx.unsqueeze(0) > rowPos.unsqueeze(1); // [rows, Tk]
        scores.masked_fill_(hidden, -std::numeric_limits<float>::infinity());
    }
    return scores;
}

} // namespace

AttentionWithStats attentionWithColumnSums(const at::Tensor &q, const at::Tensor &k,
                                           const at::Tensor &v, double scale, int64_t chunkRows)
{
    checkShapes(q, k);
    const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
    const int64_t Tk = k.size(2);
    at::Tensor vf = v.to(at::kFloat).unsqueeze(2); // [B, Hkv, 1, Tk, D]
    at::Tensor out = at::empty({B, H, Tq, D}, q.options());
    at::Tensor colSums = at::zeros({B, Tk}, q.options().dtype(at::kFloat));
    for (int64_t row0 = 0; row0 < Tq; row0 += chunkRows) {
        const int64_t rows = std::min(chunkRows, Tq - row0);
        at::Tensor probs = at::softmax(maskedScores(q, k, scale, row0, rows), -1);
        colSums.add_(probs.sum({1, 2, 3}));
        at::Tensor o = at::matmul(probs, vf).reshape({B, H, rows, D});
        out.narrow(2, row0, rows).copy_(o);
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
    at::Tensor colSums = at::zeros({B, Tk}, q.options().dtype(at::kFloat));
    at::Tensor lse5 = lse.to(at::kFloat).reshape({B, Hkv, rep, Tq, 1});
    for (int64_t row0 = 0; row0 < Tq; row0 += chunkRows) {
        const int64_t rows = std::min(chunkRows, Tq - row0);
        at::Tensor scores = maskedScores(q, k, scale, row0, rows);
        at::Tensor probs = scores.sub_(lse5.narrow(3, row0, rows)).exp_();
        colSums.add_(probs.sum({1, 2, 3}));
    }
    return colSums.div_(static_cast<double>(H));
}

} // namespace ec::kernels
