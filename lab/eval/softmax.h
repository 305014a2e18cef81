// Numerically stable softmax helpers over one row of logits, in double.
#pragma once

#include <span>
#include <vector>

namespace ec::eval {

// log(sum(exp(logits))). Throws std::invalid_argument for an empty row or a NaN/inf logit.
double logSumExp(std::span<const float> logits);
std::vector<double> logSoftmax(std::span<const float> logits);

} // namespace ec::eval
