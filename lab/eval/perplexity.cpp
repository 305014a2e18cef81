#include "lab/eval/perplexity.h"

#include "lab/eval/softmax.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace ec::eval {

double tokenNll(std::span<const float> logits, int64_t target)
{
    if (target < 0 || target >= static_cast<int64_t>(logits.size()))
        throw std::out_of_range("tokenNll: target " + std::to_string(target) +
                                " outside a vocabulary of " + std::to_string(logits.size()));
    return logSumExp(logits) - static_cast<double>(logits[static_cast<size_t>(target)]);
}

int64_t scoredAnswerTokens(int64_t answerTokens)
{
    return answerTokens > 1 ? answerTokens - 1 : 0;
}

void PerplexityAccumulator::add(double nll)
{
    addSums(nll, 1);
}

void PerplexityAccumulator::addSums(double nllSum, int64_t tokens)
{
    if (tokens < 0 || !std::isfinite(nllSum))
        throw std::invalid_argument("perplexity: a negative token count or a non-finite NLL");
    nllSum_ += nllSum;
    tokens_ += tokens;
}

double PerplexityAccumulator::perplexity() const
{
    if (tokens_ == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return std::exp(nllSum_ / static_cast<double>(tokens_));
}

} // namespace ec::eval
