// The CLIP ViT vision tower of LLaVA (pre-LN blocks, quick_gelu), run only up to the deepest
// hidden state the feature selection needs.
#pragma once

#include "engine/checkpoint/checkpoint_files.h"
#include "engine/checkpoint/llava_config.h"
#include "engine/model/model_weights.h"

#include <ATen/core/Tensor.h>
#include <string>
#include <vector>

namespace ec::engine::model {

class ClipVisionTower
{
public:
    // Every tensor of the tower is expected on disk; only layers below `layersToRun` load.
    static std::vector<checkpoint::ExpectedTensor>
    expectedTensors(const checkpoint::ClipVisionConfig &config, int64_t layersToRun);

    ClipVisionTower(const checkpoint::ClipVisionConfig &config, int64_t layersToRun,
                    ModelWeights &weights);

    // Hidden states at the given indices (0 = after pre_layrnorm, k = output of layer k-1),
    // each [N, positions, C], for pixels [N, channels, imageSize, imageSize].
    std::vector<at::Tensor> hiddenStates(const at::Tensor &pixels,
                                         const std::vector<int64_t> &indices) const;

private:
    struct Layer
    {
        at::Tensor ln1w, ln1b, qb, kb, vb, ob, ln2w, ln2b, fc1b, fc2b;
        kernels::PackedLinear qw, kw, vw, ow, fc1w, fc2w;
    };
    at::Tensor block(const Layer &w, const at::Tensor &x) const;

    checkpoint::ClipVisionConfig config_;
    at::Tensor classEmbedding_, patchWeight_, positionEmbedding_, preNormW_, preNormB_;
    std::vector<Layer> layers_;
};

} // namespace ec::engine::model
