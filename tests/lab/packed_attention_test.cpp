// The trainer's packed causal attention: the hand-written forward and backward passes against
// a dense float64 masked softmax under autograd (the oracle), and against the blockwise autograd
// path it replaces on the CPU.
#include "lab/demo_trainer/packed_attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <cmath>
#include <gtest/gtest.h>
#include <limits>
#include <torch/autograd.h>

using namespace ec::demo;

namespace {

struct Result
{
    at::Tensor out, dq, dk, dv;
};

// Output and input gradients for the upstream gradient `grad` of one attention function.
template <typename Attention>
Result run(const Attention &attention, const at::Tensor &q, const at::Tensor &k,
           const at::Tensor &v, const std::vector<int64_t> &lengths, const at::Tensor &grad)
{
    at::Tensor lq = q.detach().clone().requires_grad_(true);
    at::Tensor lk = k.detach().clone().requires_grad_(true);
    at::Tensor lv = v.detach().clone().requires_grad_(true);
    at::Tensor out = attention(lq, lk, lv, lengths);
    out.backward(grad.to(out.scalar_type()));
    return {out.detach(), lq.grad(), lk.grad(), lv.grad()};
}

// Every sequence alone, the full [T, T] scores with the future masked, kv heads repeated:
// the textbook formula, none of the blocking or the hand-written gradients.
at::Tensor denseAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                          const std::vector<int64_t> &lengths)
{
    const int64_t heads = q.size(1), d = q.size(2), rep = heads / k.size(1);
    std::vector<at::Tensor> outputs;
    int64_t offset = 0;
    for (int64_t t : lengths) {
        at::Tensor qs = q.narrow(0, offset, t).transpose(0, 1); // [H, T, D]
        at::Tensor ks = k.narrow(0, offset, t).transpose(0, 1).repeat_interleave(rep, 0);
        at::Tensor vs = v.narrow(0, offset, t).transpose(0, 1).repeat_interleave(rep, 0);
        at::Tensor scores = at::matmul(qs, ks.transpose(1, 2)) / std::sqrt(double(d));
        at::Tensor future = at::ones({t, t}, at::kBool).triu(1);
        scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
        at::Tensor a = at::matmul(at::softmax(scores, -1), vs); // [H, T, D]
        outputs.push_back(a.transpose(0, 1).reshape({t, heads * d}));
        offset += t;
    }
    return at::cat(outputs, 0);
}

void expectClose(const at::Tensor &actual, const at::Tensor &expected, double tolerance,
                 const char *what)
{
    ASSERT_EQ(actual.sizes(), expected.sizes()) << what;
    const double diff =
        (actual.to(at::kDouble) - expected.to(at::kDouble)).abs().max().item<double>();
    EXPECT_LT(diff, tolerance) << what;
}

} // namespace

TEST(PackedAttention, HandWrittenPassesMatchADenseFloat64Oracle)
{
    at::manual_seed(7);
    // Lengths around the 128-row block: one block, a partial second, three blocks, one token.
    const std::vector<int64_t> lengths{5, 130, 300, 1, 128};
    int64_t n = 0;
    for (int64_t t : lengths)
        n += t;
    const at::Tensor q = at::randn({n, 4, 8}), k = at::randn({n, 2, 8}), v = at::randn({n, 2, 8});
    const at::Tensor grad = at::randn({n, 32});
    const int threads = at::get_num_threads();
    at::set_num_threads(2); // the units then run on two threads
    const Result byHand = run(packedCausalAttention, q, k, v, lengths, grad);
    const Result byAutograd = run(packedCausalAttentionByAutograd, q, k, v, lengths, grad);
    at::set_num_threads(threads);
    const Result oracle =
        run(denseAttention, q.to(at::kDouble), k.to(at::kDouble), v.to(at::kDouble), lengths, grad);

    // float32 against float64: a few ulps of values of order one, summed over a few hundred keys.
    for (const Result *r : {&byHand, &byAutograd}) {
        expectClose(r->out, oracle.out, 2e-5, "output");
        expectClose(r->dq, oracle.dq, 2e-5, "dq");
        expectClose(r->dk, oracle.dk, 2e-5, "dk");
        expectClose(r->dv, oracle.dv, 2e-5, "dv");
    }
    // Nothing leaks between sequences: the one-token sequence attends to itself alone.
    const int64_t single = 5 + 130 + 300;
    expectClose(byHand.out[single].view({4, 8}), v[single].repeat_interleave(2, 0), 1e-6,
                "one-token sequence");
}

TEST(PackedAttention, GradientsReachOnlyWhatTheOutputDependsOn)
{
    at::manual_seed(3);
    const std::vector<int64_t> lengths{200};
    const at::Tensor q = at::randn({200, 4, 8}), k = at::randn({200, 2, 8}),
                     v = at::randn({200, 2, 8});
    // An upstream gradient on the first 10 rows only: causality means rows >= 10 of k and v,
    // and every row of q past 10, get exactly zero.
    at::Tensor grad = at::zeros({200, 32});
    grad.narrow(0, 0, 10).normal_();
    const Result r = run(packedCausalAttention, q, k, v, lengths, grad);
    EXPECT_EQ(r.dk.narrow(0, 10, 190).abs().max().item<float>(), 0.0f);
    EXPECT_EQ(r.dv.narrow(0, 10, 190).abs().max().item<float>(), 0.0f);
    EXPECT_EQ(r.dq.narrow(0, 10, 190).abs().max().item<float>(), 0.0f);
    EXPECT_GT(r.dk.narrow(0, 0, 10).abs().max().item<float>(), 0.0f);
}
