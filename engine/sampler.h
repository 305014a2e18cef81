// Next-token choice from a logits row: greedy, or temperature / top-k / top-p sampling with a
// repetition penalty, driven by an own seeded generator so the same seed gives the same tokens
// on every device and build.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace ec::engine {

struct SamplerOptions
{
    double temperature = 0.0;       // 0 = greedy (argmax, lowest id on ties)
    int64_t topK = 0;               // 0 = no limit
    double topP = 1.0;              // nucleus mass in (0, 1]
    double repetitionPenalty = 1.0; // > 1 discourages ids already in the conversation (HF rule)
    uint64_t seed = 0;
};

class Sampler
{
public:
    explicit Sampler(const SamplerOptions &options = {});

    const SamplerOptions &options() const { return options_; }
    // `logits` has `vocab` float32 entries; `previous` are ids the penalty applies to.
    int64_t sample(const float *logits, int64_t vocab, const std::vector<int64_t> &previous);

private:
    SamplerOptions options_;
    std::mt19937_64 rng_;
};

} // namespace ec::engine
