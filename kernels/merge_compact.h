// Merge-compact: fold the live slots of one layer into their anchors' bucket means.
//
// keys, values: a layer's storage [B, H, C, D]. assign: [B, S] int64 (S <= C live slots), the
// output slot (0..outSlots-1) each live slot merges into, or -1 to drop it. For each sequence b
// and output slot m, writes mean{ K[b, :, s, :] : assign[b, s] == m } into K[b, :, m, :] (same for
// V), accumulated in float32 in slot order (deterministic), cast back to the storage dtype. An
// output slot nothing is assigned to is left as it was. Temporary memory: one layer's outSlots.
// CUDA storage (contiguous) runs kernels/cuda/merge_compact.cu, bit-identical to the CPU in f32.
#pragma once

#include <ATen/core/Tensor.h>
#include <vector>

namespace ec::kernels {

void mergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign, int64_t outSlots);

// Writes slot `from` into slot `to` in every layer's K and V storage ([B, H, C, D] each), the
// decode-time eviction that overwrites the evicted entry with the newest token.
void moveSlot(std::vector<at::Tensor> &keys, std::vector<at::Tensor> &values, int64_t from,
              int64_t to);

// Writes a new token's K and V (per layer [B, H, 1, D] or [B, H, D]) into slot `slot` of every
// layer's storage; on CUDA both this and moveSlot are one launch for all layers.
void writeSlot(std::vector<at::Tensor> &keys, std::vector<at::Tensor> &values,
               const std::vector<at::Tensor> &newKeys, const std::vector<at::Tensor> &newValues,
               int64_t slot);

} // namespace ec::kernels
