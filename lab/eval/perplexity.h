// Perplexity as the paper's eval_ppl.py computes it (paper record §8): teacher forcing, the
// policy applied after every forward, and one PPL over the tokens of all samples pooled.
#pragma once

#include <cstdint>
#include <span>

namespace ec::eval {

// -log softmax(logits)[target], in double. Throws std::out_of_range for a target outside the
// vocabulary and std::invalid_argument for empty or non-finite logits.
double tokenNll(std::span<const float> logits, int64_t target);

// How many tokens of an answer of `answerTokens` ids the reference loop scores. It runs
// idx in [0, len-2], so the last answer token is never scored (Q12) and a one-token answer
// contributes nothing. Token idx is predicted from the prompt plus answer[0..idx-1].
int64_t scoredAnswerTokens(int64_t answerTokens);

// Token-pooled perplexity: exp(sum of NLLs / number of tokens) over everything added, which
// weights long answers more than short ones (not a mean of per-sample perplexities).
class PerplexityAccumulator
{
public:
    void add(double nll);
    void addSums(double nllSum, int64_t tokens);
    void merge(const PerplexityAccumulator &other) { addSums(other.nllSum_, other.tokens_); }

    double nllSum() const { return nllSum_; }
    int64_t tokens() const { return tokens_; }
    // NaN when nothing was scored.
    double perplexity() const;

private:
    double nllSum_ = 0;
    int64_t tokens_ = 0;
};

} // namespace ec::eval
