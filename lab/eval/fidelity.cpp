#include "lab/eval/fidelity.h"

#include "lab/eval/softmax.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace ec::eval {

double klDivergence(std::span<const float> referenceLogits, std::span<const float> testLogits)
{
    if (referenceLogits.size() != testLogits.size())
        throw std::invalid_argument("KL divergence over rows of different vocabularies (" +
                                    std::to_string(referenceLogits.size()) + " vs " +
                                    std::to_string(testLogits.size()) + ")");
    const auto logP = logSoftmax(referenceLogits);
    const auto logQ = logSoftmax(testLogits);
    double kl = 0;
    for (size_t i = 0; i < logP.size(); ++i) {
        const double p = std::exp(logP[i]);
        if (p > 0) // 0 * log 0 = 0
            kl += p * (logP[i] - logQ[i]);
    }
    return std::max(kl, 0.0); // rounding can leave -1e-17 for equal rows
}

int64_t argmaxToken(std::span<const float> logits)
{
    if (logits.empty())
        throw std::invalid_argument("argmax over an empty row of logits");
    size_t best = 0;
    for (size_t i = 1; i < logits.size(); ++i)
        if (logits[i] > logits[best])
            best = i;
    return static_cast<int64_t>(best);
}

void FidelityAccumulator::add(std::span<const float> referenceLogits,
                              std::span<const float> testLogits)
{
    const double kl = klDivergence(referenceLogits, testLogits);
    addSums(kl, argmaxToken(referenceLogits) == argmaxToken(testLogits) ? 1 : 0, 1);
}

void FidelityAccumulator::addSums(double klSum, int64_t top1Agreements, int64_t positions)
{
    if (positions < 0 || top1Agreements < 0 || top1Agreements > positions || !std::isfinite(klSum))
        throw std::invalid_argument("fidelity: inconsistent sums");
    klSum_ += klSum;
    agreements_ += top1Agreements;
    positions_ += positions;
}

double FidelityAccumulator::meanKl() const
{
    return positions_ ? klSum_ / static_cast<double>(positions_)
                      : std::numeric_limits<double>::quiet_NaN();
}

double FidelityAccumulator::top1Agreement() const
{
    return positions_ ? static_cast<double>(agreements_) / static_cast<double>(positions_)
                      : std::numeric_limits<double>::quiet_NaN();
}

} // namespace ec::eval
