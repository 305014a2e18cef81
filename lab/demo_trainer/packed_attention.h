// Causal self-attention of sequences packed end to end, the trainer's costliest part: a long
// step spends about two thirds of its decoder time here (docs/demo-model.md; docs/lab/findings.md).
#pragma once

#include <ATen/core/Tensor.h>
#include <cstdint>
#include <vector>

namespace ec::demo {

// q [N, H, D], k and v [N, KV, D] of sequences of `lengths` (summing to N) packed end to end;
// each sequence attends causally to itself, query head h to kv head h / (H / KV) (HF's
// repeat_interleave), softmax in float32. Returns [N, H * D] with gradients for q, k and v.
// On the CPU in float32 the forward and backward passes are written out by hand and run one
// (sequence, kv head) per core, each product on one thread: the same ops in the same order as
// packedCausalAttentionByAutograd, but OpenBLAS rounds a one-thread product differently from a
// two-thread one, so results agree to float32 rounding, not bit for bit (docs/demo-model.md,
// "A faster step"). Elsewhere (CUDA, bfloat16) it is that function.
at::Tensor packedCausalAttention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                                 const std::vector<int64_t> &lengths);

// The same from plain tensor ops under autograd, in blocks of query rows (rows [s, e) see keys
// [0, e)): the reference of the test, and the path on CUDA and for bfloat16.
at::Tensor packedCausalAttentionByAutograd(const at::Tensor &q, const at::Tensor &k,
                                           const at::Tensor &v,
                                           const std::vector<int64_t> &lengths);

} // namespace ec::demo
