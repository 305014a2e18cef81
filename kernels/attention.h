// Plain scaled dot-product attention, for the vision towers and the decoders' fast path.
#pragma once

#include <ATen/core/Tensor.h>

namespace ec::kernels {

// Attention of q [B, H, n, D] over k, v [B, Hkv, S, D] (GQA without copying K/V) where the n
// queries are the last n of the S slots and attend causally among themselves (`causalTail`),
// or see every slot (vision towers). Scale is D^-0.5. Uses torch's fused SDPA entry point;
// on CUDA, the first call turns off torch's cuDNN backend for the process (attention.cpp).
at::Tensor attention(const at::Tensor &q, const at::Tensor &k, const at::Tensor &v,
                     bool causalTail);

} // namespace ec::kernels
