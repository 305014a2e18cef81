// The LLaVA-1.5 forward pass as trainable tensors: one leaf tensor per canonical llava-hf name
// (the set LlavaModel::expectedTensors lists), so the trained weights are saved under the names
// and in the layout the engine loads. The math mirrors engine/model (same layer helpers) with
// autograd-friendly attention; the trainer test checks the two agree on saved checkpoints.
#pragma once

#include "engine/checkpoint/llava_config.h"
#include "engine/model/layers.h"

#include <ATen/core/Tensor.h>
#include <map>
#include <string>
#include <vector>

namespace ec::demo {

class DemoModel
{
public:
    // Weights drawn from `seed` (normal std 0.02, norms 1, biases 0), float32 on the CPU.
    DemoModel(const engine::checkpoint::LlavaConfig &config, uint64_t seed);

    const engine::checkpoint::LlavaConfig &config() const { return config_; }
    std::map<std::string, at::Tensor> &params() { return params_; }
    const std::map<std::string, at::Tensor> &params() const { return params_; }
    // Moves the weights (and so the computation) to `device`; they stay leaves with gradients.
    void to(const at::Device &device);

    // Logits [B, T, V] (float32) of ids [B, T] whose image-token positions take the features
    // of pixels [N, C, S, S] in row-major order. `compute` is the matmul dtype (f32 or bf16);
    // the weights themselves stay float32. `imageFeatures`, when given, receives the projected
    // image features [N * tokensPerImage, text hidden] the image tokens took (for the trainer's
    // perception loss).
    at::Tensor forward(const at::Tensor &ids, const at::Tensor &pixels, at::ScalarType compute,
                       at::Tensor *imageFeatures = nullptr) const;
    // The same for sequences of different lengths packed end to end: ids [N] with
    // sum(lengths) = N, logits [N, V]. Each sequence attends only to itself and counts its
    // positions from 0, so a batch costs its real tokens, not its longest times its size.
    // `layerInput`, when given, receives the residual stream [N, hidden] at the input of
    // decoder layer `tapLayer` (numLayers: the last layer's output, before the final norm).
    at::Tensor forwardPacked(const at::Tensor &ids, const std::vector<int64_t> &lengths,
                             const at::Tensor &pixels, at::ScalarType compute,
                             at::Tensor *imageFeatures = nullptr, int tapLayer = -1,
                             at::Tensor *layerInput = nullptr) const;

    // The projected features of pixels [N, C, S, S]: [N * tokensPerImage, text hidden].
    at::Tensor visionFeatures(const at::Tensor &pixels, at::ScalarType compute) const;

private:
    at::Tensor w(const std::string &name, at::ScalarType compute) const;
    struct Packing
    {
        std::vector<int64_t> lengths;
        engine::model::Rotary rotary; // per token, [N, 1, headDim]
    };
    // x: [N, hidden], the packed sequences.
    at::Tensor decoderLayer(const at::Tensor &x, const Packing &packing, int layer,
                            at::ScalarType compute) const;

    engine::checkpoint::LlavaConfig config_;
    std::map<std::string, at::Tensor> params_;
};

} // namespace ec::demo
