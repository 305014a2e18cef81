// Fidelity of the next-token distribution against the full cache at the same position (the
// llama.cpp KLD / "same top" pair, field notes B.5): KL(P_full || P_policy) and top-1 agreement.
#pragma once

#include <cstdint>
#include <span>

namespace ec::eval {

// KL(P || Q) in nats with P = softmax(reference), Q = softmax(test). Both rows must have the
// same length; throws std::invalid_argument otherwise.
double klDivergence(std::span<const float> referenceLogits, std::span<const float> testLogits);

// Index of the largest logit; the lowest index wins a tie (as torch.argmax on CPU).
int64_t argmaxToken(std::span<const float> logits);

class FidelityAccumulator
{
public:
    // One position: the full-cache and the policy's logits for the same next token.
    void add(std::span<const float> referenceLogits, std::span<const float> testLogits);
    void addSums(double klSum, int64_t top1Agreements, int64_t positions);

    double klSum() const { return klSum_; }
    int64_t top1Agreements() const { return agreements_; }
    int64_t positions() const { return positions_; }
    double meanKl() const;        // NaN when empty
    double top1Agreement() const; // fraction in [0, 1]; NaN when empty

private:
    double klSum_ = 0;
    int64_t agreements_ = 0;
    int64_t positions_ = 0;
};

} // namespace ec::eval
