#include "lab/eval/softmax.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ec::eval {

double logSumExp(std::span<const float> logits)
{
    if (logits.empty())
        throw std::invalid_argument("softmax over an empty row of logits");
    double maxValue = -INFINITY;
    for (float v : logits) {
        if (!std::isfinite(v))
            throw std::invalid_argument("softmax over a non-finite logit");
        maxValue = std::max(maxValue, static_cast<double>(v));
    }
    double sum = 0;
    for (float v : logits)
        sum += std::exp(static_cast<double>(v) - maxValue);
    return maxValue + std::log(sum);
}

std::vector<double> logSoftmax(std::span<const float> logits)
{
    const double lse = logSumExp(logits);
    std::vector<double> out(logits.size());
    for (size_t i = 0; i < logits.size(); ++i)
        out[i] = static_cast<double>(logits[i]) - lse;
    return out;
}

} // namespace ec::eval
