#include "lab/demo_trainer/packed_attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <torch/autograd.h>

namespace ec::demo {

namespace {

// Rows [s, e) of a sequence can only see keys [0, e), so the scores right of that are never
// formed: about half the work of the full masked softmax, and each block's scores stay small
// enough for the cache (long four-image steps ran 1.9x faster this way, docs/demo-model.md).
constexpr int64_t kQueryBlock = 128;

at::Tensor futureMask(int64_t rows, const at::TensorOptions &f32)
{
    // Row r, key c: -inf when c > r (the key is in the query's future), else 0.
    return at::full({rows, rows}, -std::numeric_limits<float>::infinity(), f32).triu(1);
}

// One sequence's attention under autograd, q [1, H, T, D] and k, v [1, H, T, D].
at::Tensor causalAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v)
{
    const int64_t t = q.size(-2);
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    const auto f32 = at::TensorOptions().dtype(at::kFloat).device(q.device());
    std::vector<at::Tensor> blocks;
    for (int64_t s = 0; s < t; s += kQueryBlock) {
        const int64_t e = std::min(t, s + kQueryBlock);
        at::Tensor raw = at::matmul(q.narrow(-2, s, e - s), k.narrow(-2, 0, e).transpose(-2, -1));
        // Row r is position s + r: key c is in its future when c > s + r.
        at::Tensor future =
            at::full({e - s, e}, -std::numeric_limits<float>::infinity(), f32).triu(s + 1);
        at::Tensor scores = at::add(future, raw.to(at::kFloat), scale);
        blocks.push_back(
            at::matmul(at::softmax(scores, -1).to(v.scalar_type()), v.narrow(-2, 0, e)));
    }
    return blocks.size() == 1 ? blocks[0] : at::cat(blocks, -2);
}

// One unit of work: kv head `group` of the sequence at rows [offset, offset + length), with the
// query heads that read it. Units write disjoint rows, so any thread may take any of them.
struct Unit
{
    int64_t offset, length, group;
    size_t firstBlock; // index of its first saved probability block
};

int64_t blocksOf(int64_t length)
{
    return (length + kQueryBlock - 1) / kQueryBlock;
}

// Runs work(unit) for every unit, longest first, each unit on one thread with the others
// taken from a shared counter (the lengths are uneven, a static split would leave a core idle).
// Products inside run on that thread alone: OpenBLAS does not split a call made inside a
// parallel region, and at these sizes its own split is slower than one core (a long step's
// attention products took 386 ms on two threads, 292 ms on one: lab/probes/trainer-blas-probe.py).
// This file must be compiled with OpenMP: without it at::parallel_for runs the whole range on the
// calling thread.
template <typename Work> void forEachUnit(const std::vector<Unit> &units, const Work &work)
{
    std::vector<size_t> order(units.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return units[a].length > units[b].length; });
    std::atomic<size_t> next{0};
    at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t, int64_t) {
        at::NoGradGuard noGrad; // a worker thread's own grad mode is on
        for (size_t i = next++; i < order.size(); i = next++)
            work(units[order[i]]);
    });
}

class PackedCausalAttentionFunction
    : public torch::autograd::Function<PackedCausalAttentionFunction>
{
public:
    static at::Tensor forward(torch::autograd::AutogradContext *ctx, const at::Tensor &q,
                              const at::Tensor &k, const at::Tensor &v,
                              const std::vector<int64_t> &lengths)
    {
        // Head-major copies [H, N, D] and [KV, N, D]: each head's rows of a sequence are then
        // one contiguous matrix.
        const at::Tensor qh = q.detach().permute({1, 0, 2}).contiguous();
        const at::Tensor kh = k.detach().permute({1, 0, 2}).contiguous();
        const at::Tensor vh = v.detach().permute({1, 0, 2}).contiguous();
        const int64_t heads = qh.size(0), rep = heads / kh.size(0), d = qh.size(2);
        const double scale = 1.0 / std::sqrt(static_cast<double>(d));
        const std::vector<Unit> units = unitsOf(lengths, kh.size(0), rep);
        const at::Tensor mask =
            futureMask(*std::max_element(lengths.begin(), lengths.end()), qh.options());
        at::Tensor out = at::empty_like(qh);
        std::vector<at::Tensor> probabilities(blockCount(units, rep));

        forEachUnit(units, [&](const Unit &u) {
            const at::Tensor ks = kh[u.group].narrow(0, u.offset, u.length);
            const at::Tensor vs = vh[u.group].narrow(0, u.offset, u.length);
            size_t block = u.firstBlock;
            for (int64_t h = u.group * rep; h < (u.group + 1) * rep; ++h) {
                const at::Tensor qs = qh[h].narrow(0, u.offset, u.length);
                for (int64_t s = 0; s < u.length; s += kQueryBlock, ++block) {
                    const int64_t e = std::min(u.length, s + kQueryBlock);
                    // The ops and operand layouts of causalAttention's block, one head at a time.
                    at::Tensor raw = at::mm(qs.narrow(0, s, e - s), ks.narrow(0, 0, e).t());
                    at::Tensor p = at::softmax(
                        at::add(mask.narrow(0, s, e - s).narrow(1, 0, e), raw, scale), -1);
                    out[h].narrow(0, u.offset + s, e - s).copy_(at::mm(p, vs.narrow(0, 0, e)));
                    probabilities[block] = p;
                }
            }
        });
        ctx->save_for_backward({qh, kh, vh});
        ctx->saved_data["lengths"] = lengths;
        ctx->saved_data["probabilities"] = probabilities;
        return out.permute({1, 0, 2}).reshape({q.size(0), heads * d});
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext *ctx,
                                                   torch::autograd::variable_list grads)
    {
        const auto saved = ctx->get_saved_variables();
        const at::Tensor &qh = saved[0], &kh = saved[1], &vh = saved[2];
        const std::vector<int64_t> lengths = ctx->saved_data["lengths"].toIntVector();
        const std::vector<at::Tensor> probabilities =
            ctx->saved_data["probabilities"].toTensorVector();
        const int64_t heads = qh.size(0), rep = heads / kh.size(0), d = qh.size(2);
        const double scale = 1.0 / std::sqrt(static_cast<double>(d));
        const std::vector<Unit> units = unitsOf(lengths, kh.size(0), rep);
        const at::Tensor gradOut =
            grads[0].reshape({qh.size(1), heads, d}).permute({1, 0, 2}).contiguous();
        at::Tensor dq = at::empty_like(qh), dk = at::empty_like(kh), dv = at::empty_like(vh);

        forEachUnit(units, [&](const Unit &u) {
            const at::Tensor ks = kh[u.group].narrow(0, u.offset, u.length);
            const at::Tensor vs = vh[u.group].narrow(0, u.offset, u.length);
            const int64_t blocks = blocksOf(u.length);
            std::vector<at::Tensor> dkPerHead, dvPerHead;
            for (int64_t r = 0; r < rep; ++r) {
                const int64_t h = u.group * rep + r;
                const at::Tensor qs = qh[h].narrow(0, u.offset, u.length);
                at::Tensor dks = at::zeros_like(ks), dvs = at::zeros_like(vs);
                // Autograd runs the blocks last first (later nodes first), and each key's
                // gradient is the sum over blocks in that order: keep it, to keep the bits.
                for (int64_t b = blocks - 1; b >= 0; --b) {
                    const int64_t s = b * kQueryBlock, e = std::min(u.length, s + kQueryBlock);
                    const at::Tensor &p =
                        probabilities[u.firstBlock + static_cast<size_t>(r * blocks + b)];
                    const at::Tensor go = gradOut[h].narrow(0, u.offset + s, e - s);
                    at::Tensor gp = at::mm(go, vs.narrow(0, 0, e).t());
                    dvs.narrow(0, 0, e).add_(at::mm(p.t(), go));
                    at::Tensor graw = at::_softmax_backward_data(gp, p, -1, at::kFloat).mul(scale);
                    dq[h].narrow(0, u.offset + s, e - s).copy_(at::mm(graw, ks.narrow(0, 0, e)));
                    dks.narrow(0, 0, e).add_(at::mm(qs.narrow(0, s, e - s).t(), graw).t());
                }
                dkPerHead.push_back(dks);
                dvPerHead.push_back(dvs);
            }
            // repeat_interleave's gradient: the query heads' sums, added in head order.
            at::Tensor dkSum = dkPerHead[0], dvSum = dvPerHead[0];
            for (int64_t r = 1; r < rep; ++r) {
                dkSum = dkSum + dkPerHead[static_cast<size_t>(r)];
                dvSum = dvSum + dvPerHead[static_cast<size_t>(r)];
            }
            dk[u.group].narrow(0, u.offset, u.length).copy_(dkSum);
            dv[u.group].narrow(0, u.offset, u.length).copy_(dvSum);
        });
        auto tokenMajor = [](const at::Tensor &t) { return t.permute({1, 0, 2}).contiguous(); };
        return {tokenMajor(dq), tokenMajor(dk), tokenMajor(dv), at::Tensor()};
    }

private:
    static std::vector<Unit> unitsOf(const std::vector<int64_t> &lengths, int64_t kvHeads,
                                     int64_t rep)
    {
        std::vector<Unit> units;
        int64_t offset = 0;
        size_t block = 0;
        for (int64_t length : lengths) {
            for (int64_t g = 0; g < kvHeads; ++g) {
                units.push_back({offset, length, g, block});
                block += static_cast<size_t>(rep * blocksOf(length));
            }
            offset += length;
        }
        return units;
    }
    static size_t blockCount(const std::vector<Unit> &units, int64_t rep)
    {
        return units.empty() ? 0
                             : units.back().firstBlock +
                                   static_cast<size_t>(rep * blocksOf(units.back().length));
    }
};

} // namespace

at::Tensor packedCausalAttentionByAutograd(const at::Tensor &q, const at::Tensor &k,
                                           const at::Tensor &v, const std::vector<int64_t> &lengths)
{
    const int64_t heads = q.size(1), d = q.size(2), rep = heads / k.size(1);
    std::vector<at::Tensor> outputs;
    int64_t offset = 0;
    for (int64_t length : lengths) {
        auto sequence = [&](const at::Tensor &y) { // [1, heads, length, D]
            return y.narrow(0, offset, length).transpose(0, 1).unsqueeze(0);
        };
        at::Tensor a = causalAttention(sequence(q), sequence(k).repeat_interleave(rep, 1),
                                       sequence(v).repeat_interleave(rep, 1));
        outputs.push_back(a.squeeze(0).transpose(0, 1).reshape({length, heads * d}));
        offset += length;
    }
    return outputs.size() == 1 ? outputs[0] : at::cat(outputs, 0);
}

at::Tensor packedCausalAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                                 const std::vector<int64_t> &lengths)
{
    const bool byHand = q.device().is_cpu() && q.scalar_type() == at::kFloat &&
                        k.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat;
    if (!byHand || lengths.empty())
        return packedCausalAttentionByAutograd(q, k, v, lengths);
    return PackedCausalAttentionFunction::apply(q, k, v, lengths);
}

} // namespace ec::demo
