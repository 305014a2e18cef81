// Unigram segmentation: the best-scoring path through all vocabulary matches (Viterbi), the way
// SentencePiece's optimised encoder does it, including its float sums and tie order.
#pragma once

#include "engine/text/bpe.h"

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ec::text {

class UnigramModel
{
public:
    UnigramModel() = default;
    // unkId: the id given to characters that no piece covers.
    UnigramModel(const Vocab &vocab, int unkId);

    std::vector<Segment> segment(std::string_view text, const Vocab &vocab) const;

private:
    struct Hash
    {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };

    // Every byte prefix of every piece: the search from a position stops at the first miss.
    std::unordered_set<std::string, Hash, std::equal_to<>> m_prefixes;
    int m_unkId = 0;
    float m_minScore = 0.0f;
    float m_maxScore = 0.0f;
    size_t m_maxPieceBytes = 1;
};

} // namespace ec::text
