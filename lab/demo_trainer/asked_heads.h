// A training aid, not part of the shipped model: linear read-outs of the colour and the shape a
// question names ("Where are the red objects?": red, none), at every position that predicts
// the answer, from the residual stream at one decoder layer's input. A probe showed that
// the answer position of a listing question carries the asked shape from the first layer on but
// not the asked colour, and a search can only match what its query holds; this loss asks for
// it there (docs/demo-model.md; docs/lab/findings.md). Saved with the run's state, never with the
// model.
#pragma once

#include <ATen/core/Tensor.h>
#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace ec::demo {

class AskedHeads
{
public:
    AskedHeads(int64_t hiddenSize, uint64_t seed);

    std::map<std::string, at::Tensor> &params() { return params_; }
    void to(const at::Device &device);

    // hidden [N, D]; colour, shape [N] as Sample::askedColour / askedShape hold them (-100:
    // not read). Sum of the two mean cross-entropies; 0 when no position is read.
    at::Tensor loss(const at::Tensor &hidden, const at::Tensor &colour,
                    const at::Tensor &shape) const;
    // Per head (colour, shape): the fraction of read positions read right.
    std::array<double, 2> accuracy(const at::Tensor &hidden, const at::Tensor &colour,
                                   const at::Tensor &shape) const;

private:
    at::Tensor logits(const at::Tensor &hidden, const std::string &head) const;
    std::map<std::string, at::Tensor> params_;
};

} // namespace ec::demo
