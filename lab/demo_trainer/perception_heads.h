// A training aid, not part of the shipped model: linear read-outs of what each grid cell holds
// (shape or empty, size, colour) from the projected image features the decoder sees, averaged
// over the patches whose centres lie in that cell. Trained through the decoder alone, the
// vision tower learnt colour and occupancy but neither shape nor size (docs/demo-model.md);
// this loss gives it a direct signal. An optional fourth head reads, from each patch alone, the
// cell it lies in: the decoder's RoPE puts positions into attention scores, not into what a
// token passes on, so "Where is the red star?" can only be answered if the image token itself
// says where it is. Optionally the three cell heads also read each patch alone (its cell's
// object), so that every image token, not only a cell's average, says what it shows: a question
// that searches by colour and shape has to match single tokens. Optionally the colour head's
// weights are the decoder's own input embeddings of the colour names, held fixed here: a patch
// then has to look like the word "red" to be read as red, and with a large enough projection on
// it, where the decoder's search by colour can find it (docs/demo-model.md; docs/lab/findings.md).
// The heads are saved with the run's state, never with the model.
#pragma once

#include <ATen/core/Tensor.h>
#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace ec::demo {

class PerceptionHeads
{
public:
    PerceptionHeads(int64_t featureDim, int64_t imageSize, int64_t patchSize, uint64_t seed,
                    bool readPosition = false, bool readPatchContent = false,
                    bool colourWords = false);

    std::map<std::string, at::Tensor> &params() { return params_; }
    void to(const at::Device &device);
    // With colourWords: the colour names' embeddings [6, D], in objectColours() order, which
    // loss() and accuracy() read against (detached: the decoder's words do not move).
    void setColourWords(const at::Tensor &rows) { colourWords_ = rows.detach(); }

    // features [N * T, D] (T patches per image, or T + 1 with the class token first),
    // cells [N, 9, 3] as cellLabels() writes them. Sum of the three cross-entropies (four with
    // the position head, whose target is each patch's cell; plus the three heads per patch with
    // readPatchContent).
    at::Tensor loss(const at::Tensor &features, const at::Tensor &cells) const;
    // Per head (shape-or-empty, size, colour): the fraction of cells read right; size and
    // colour over the occupied cells only.
    std::array<double, 3> accuracy(const at::Tensor &features, const at::Tensor &cells) const;

private:
    at::Tensor patchFeatures(const at::Tensor &features, int64_t images) const; // [N, T, D]
    at::Tensor cellFeatures(const at::Tensor &features, int64_t images) const;  // [N, 9, D]
    at::Tensor logits(const at::Tensor &features, const std::string &head) const;

    std::map<std::string, at::Tensor> params_;
    at::Tensor pool_;      // [9, grid * grid]: 1 / count for the patches of each cell
    at::Tensor patchCell_; // [grid * grid]: the cell of each patch
    at::Tensor colourWords_;
    bool readPosition_;
    bool readPatchContent_;
};

} // namespace ec::demo
