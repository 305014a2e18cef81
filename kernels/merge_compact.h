// Merge-compact: fold the live slots of one layer into their anchors' bucket means.
//
// keys, values: a layer's storage [B, H, C, D]. assign: [B, S] int64 (S <= C live slots), the
// output slot (0..outSlots-1) each live slot merges into, or -1 to drop it. For each sequence b
// and output slot m, writes mean{ K[b, :, s, :] : assign[b, s] == m } into K[b, :, m, :] (same for
// V), accumulated in float32 in slot order (deterministic), cast back to the storage dtype. An
// output slot nothing is assigned to is left as it was. Temporary memory: one layer's outSlots.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace ec::kernels {

void mergeCompact(at::Tensor &keys, at::Tensor &values, const at::Tensor &assign,
                  int64_t outSlots);

// Writes slot `from` into slot `to` in every layer's K and V storage ([B, H, C, D] each), the
// decode-time eviction that overwrites the evicted entry with the newest token.
void moveSlot(std::vector<at::Tensor> &keys, std::vector<at::Tensor> &values, int64_t from,
              int64_t to);

} // namespace ec::kernels
