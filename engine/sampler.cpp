#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace ec::engine {

Sampler::Sampler(const SamplerOptions &options)
    : options_(options)
    , rng_(options.seed)
{
    if (options.temperature < 0)
        throw std::invalid_argument("sampler: temperature must be >= 0");
    if (options.topK < 0)
        throw std::invalid_argument("sampler: top-k must be >= 0");
    if (!(options.topP > 0 && options.topP <= 1))
        throw std::invalid_argument("sampler: top-p must be in (0, 1]");
    if (!(options.repetitionPenalty > 0))
        throw std::invalid_argument("sampler: repetition penalty must be > 0");
}

int64_t Sampler::sample(const float *logits, int64_t vocab, const std::vector<int64_t> &previous)
{
    if (vocab <= 0)
        throw std::invalid_argument("sampler: empty logits");
    std::vector<double> x(logits, logits + vocab);
    if (options_.repetitionPenalty != 1.0) {
        // HF RepetitionPenaltyLogitsProcessor: each distinct seen id once.
        std::vector<int64_t> ids(previous);
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        for (int64_t id : ids) {
            if (id >= 0 && id < vocab)
                x[id] = x[id] < 0 ? x[id] * options_.repetitionPenalty
                                  : x[id] / options_.repetitionPenalty;
        }
    }
    if (options_.temperature == 0.0)
        return std::max_element(x.begin(), x.end()) - x.begin();

    for (auto &v : x)
        v /= options_.temperature;
    // Candidates by descending logit (stable: lower id first on ties).
    std::vector<int64_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return x[a] > x[b]; });
    int64_t keep = vocab;
    if (options_.topK > 0)
        keep = std::min(keep, options_.topK);
    const double maxLogit = x[order[0]];
    std::vector<double> p(keep);
    double total = 0;
    for (int64_t i = 0; i < keep; ++i)
        total += p[i] = std::exp(x[order[i]] - maxLogit);
    if (options_.topP < 1.0) {
        // Smallest prefix whose mass reaches top-p (at least one token).
        double mass = 0;
        int64_t n = 0;
        while (n < keep) {
            mass += p[n++] / total;
            if (mass >= options_.topP)
                break;
        }
        keep = n;
        total = std::accumulate(p.begin(), p.begin() + keep, 0.0);
    }
    // 53 random bits -> uniform in [0, 1), identical across standard libraries.
    const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53 * total;
    double acc = 0;
    for (int64_t i = 0; i < keep; ++i) {
        acc += p[i];
        if (u < acc)
            return order[i];
    }
    return order[keep - 1];
}

} // namespace ec::engine
