// Depth growth of a trained demo model: a deeper decoder that starts as the same function.
// Every added block copies the block before it with its two output projections (o_proj,
// down_proj) zeroed, so at first it adds nothing to the residual stream; training then gives
// the new depth a job without relearning what the source already knows. This is the block
// expansion of LLaMA Pro (Wu et al., ACL 2024). Added blocks are spread evenly: 4 -> 6 places
// one after source blocks 1 and 3.
#pragma once

#include "engine/checkpoint/safetensors.h"

#include <ATen/core/Tensor.h>
#include <string>
#include <utility>
#include <vector>

namespace ec::demo {

struct GrownLayer
{
    int64_t source = 0; // the source decoder block whose weights this block takes
    bool added = false; // a new block: its output projections start at zero
};

// One entry per block of the grown decoder, in order. targetLayers >= sourceLayers > 0.
std::vector<GrownLayer> growthPlan(int64_t sourceLayers, int64_t targetLayers);

// The number of decoder blocks ("lm.layers.N.") in a trainer state file.
int64_t decoderLayersIn(const engine::checkpoint::SafetensorsFile &source);

// Fills every tensor of `params` (canonical names, as the trainer holds them) from `source`, a
// trainer state file of the same sizes except for fewer decoder blocks. Throws, naming the
// tensor, on a missing tensor or a shape that differs.
void loadGrown(const std::vector<std::pair<std::string, at::Tensor>> &params,
               const engine::checkpoint::SafetensorsFile &source);

} // namespace ec::demo
