#include "lab/demo_trainer/perception_heads.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <array>
#include <stdexcept>
#include <vector>

namespace ec::demo {

namespace {

constexpr int64_t kIgnore = -1;
// (head, classes, column of the cell labels, offset of the label): shape reads 0 as "empty".
struct Head
{
    const char *name;
    int64_t classes;
    int64_t column;
    int64_t offset;
};
constexpr std::array<Head, 3> kHeads{{{"shape", 6, 0, 0}, {"size", 2, 1, 1}, {"colour", 6, 2, 1}}};
constexpr Head kPosition{"position", 9, -1, 0}; // per patch: its cell

} // namespace

PerceptionHeads::PerceptionHeads(int64_t featureDim, int64_t imageSize, int64_t patchSize,
                                 uint64_t seed, bool readPosition, bool readPatchContent,
                                 bool colourWords)
    : readPosition_(readPosition)
    , readPatchContent_(readPatchContent)
{
    const int64_t grid = imageSize / patchSize;
    pool_ = at::zeros({9, grid * grid}, at::kFloat);
    patchCell_ = at::zeros({grid * grid}, at::kLong);
    for (int64_t r = 0; r < grid; ++r)
        for (int64_t c = 0; c < grid; ++c) {
            // The cell that holds the patch's centre.
            const int64_t row = (2 * r + 1) * 3 / (2 * grid), col = (2 * c + 1) * 3 / (2 * grid);
            pool_[row * 3 + col][r * grid + c] = 1.0f;
            patchCell_[r * grid + c] = row * 3 + col;
        }
    if (pool_.sum(1).min().item<float>() == 0.0f)
        throw std::invalid_argument("perception heads: a grid cell holds no patch centre");
    pool_ = pool_ / pool_.sum(1, true);

    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed ^ 0x5045524345505449ULL);
    std::vector<Head> heads(kHeads.begin(), kHeads.end());
    if (readPosition)
        heads.push_back(kPosition);
    for (const Head &h : heads) {
        const std::string p = std::string("perception.") + h.name;
        params_[p + ".weight"] =
            at::randn({h.classes, featureDim}, gen, at::TensorOptions().dtype(at::kFloat))
                .mul_(0.02)
                .set_requires_grad(true);
        params_[p + ".bias"] = at::zeros({h.classes}, at::kFloat).set_requires_grad(true);
    }
    if (colourWords)
        params_.erase("perception.colour.weight");
}

void PerceptionHeads::to(const at::Device &device)
{
    for (auto &[name, p] : params_)
        p = p.detach().to(device).set_requires_grad(true);
    pool_ = pool_.to(device);
    patchCell_ = patchCell_.to(device);
}

at::Tensor PerceptionHeads::patchFeatures(const at::Tensor &features, int64_t images) const
{
    at::Tensor f = features.to(at::kFloat).view({images, -1, features.size(-1)});
    const int64_t patches = pool_.size(1);
    if (f.size(1) == patches + 1)
        f = f.narrow(1, 1, patches); // the class token of the "full" strategy
    if (f.size(1) != patches)
        throw std::invalid_argument("perception heads: features do not match the patch grid");
    return f;
}

at::Tensor PerceptionHeads::cellFeatures(const at::Tensor &features, int64_t images) const
{
    return at::matmul(pool_, patchFeatures(features, images));
}

at::Tensor PerceptionHeads::logits(const at::Tensor &features, const std::string &head) const
{
    const std::string p = "perception." + head;
    const auto weight = params_.find(p + ".weight");
    if (weight != params_.end())
        return at::linear(features, weight->second, params_.at(p + ".bias"));
    if (!colourWords_.defined())
        throw std::logic_error("perception heads: the colour words were not set");
    return at::linear(features, colourWords_.to(features.scalar_type()), params_.at(p + ".bias"));
}

at::Tensor PerceptionHeads::loss(const at::Tensor &features, const at::Tensor &cells) const
{
    const at::Tensor labels = cells.to(features.device());
    // One float copy of the patches serves both the per-patch head and the cell pooling.
    const at::Tensor patches = patchFeatures(features, labels.size(0));
    const at::Tensor f = at::matmul(pool_, patches);
    at::Tensor total = at::zeros({}, f.options());
    if (readPosition_) {
        total =
            at::cross_entropy_loss(logits(patches, kPosition.name).reshape({-1, kPosition.classes}),
                                   patchCell_.repeat({labels.size(0)}));
    }
    for (const Head &h : kHeads) {
        const at::Tensor target =
            labels.select(-1, h.column) - h.offset; // empty -> -1 unless shape
        total =
            total + at::cross_entropy_loss(logits(f, h.name).reshape({-1, h.classes}),
                                           target.reshape({-1}), {}, at::Reduction::Mean, kIgnore);
        if (readPatchContent_) {
            const at::Tensor perPatch = target.index_select(1, patchCell_); // [N, T]
            total = total + at::cross_entropy_loss(logits(patches, h.name).reshape({-1, h.classes}),
                                                   perPatch.reshape({-1}), {}, at::Reduction::Mean,
                                                   kIgnore);
        }
    }
    return total;
}

std::array<double, 3> PerceptionHeads::accuracy(const at::Tensor &features,
                                                const at::Tensor &cells) const
{
    at::NoGradGuard noGrad;
    const at::Tensor labels = cells.to(features.device());
    const at::Tensor f = cellFeatures(features, labels.size(0));
    std::array<double, 3> out{};
    for (size_t i = 0; i < kHeads.size(); ++i) {
        const Head &h = kHeads[i];
        const at::Tensor target = labels.select(-1, h.column) - h.offset;
        const at::Tensor counted = target.ne(kIgnore);
        const at::Tensor right = logits(f, h.name).argmax(-1).eq(target).logical_and(counted);
        out[i] = right.sum().item<double>() / std::max(1.0, counted.sum().item<double>());
    }
    return out;
}

} // namespace ec::demo
