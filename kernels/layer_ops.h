// The decoder's small per-token ops as one pass each over CPU float32 tensors. On a decode step
// each touches a few thousand numbers, and as chains of ATen ops (RMSNorm is six of them, rotary
// five) they spent more in dispatch and allocation than in arithmetic, on the thread the other
// waits for (docs/cpu.md, "Where a q4 decode step goes").
#pragma once

#include <ATen/core/Tensor.h>

namespace ec::kernels {

// Whether the fused versions take these tensors: CPU, float32, and no gradient wanted (they
// write through raw pointers; the demo model's trainer differentiates through the ATen ones).
bool fusedLayerOpsApply(const at::Tensor &x, const at::Tensor &other);

// weight * x / sqrt(mean(x^2) + eps) along the last dimension of x [..., C]; weight [C]. The mean
// is accumulated in double.
at::Tensor fusedRmsNorm(const at::Tensor &x, const at::Tensor &weight, double eps);

// x * cos + rotate_half(x) * sin for x [B, H, T, D] with any strides; cos and sin [T, D]
// contiguous. Returns a contiguous [B, H, T, D].
at::Tensor fusedRotary(const at::Tensor &x, const at::Tensor &cos, const at::Tensor &sin);

} // namespace ec::kernels
