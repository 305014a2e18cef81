// The two BPE merge loops: SentencePiece's (merge the adjacent pair whose concatenation is the
// best-scoring piece) and HF tokenizers' (apply the lowest-ranked merge rule). Both pick the
// leftmost pair on ties.
#pragma once

#include "engine/text/vocab.h"

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ec::text {

struct Segment
{
    std::string_view piece;
    int id; // -1: not in the vocabulary (the caller applies byte fallback or <unk>)
};

// SentencePiece BPE on normalised text. Initial symbols are characters, or whole user-defined
// pieces; pairs merge when their concatenation is a Normal/UserDefined/Unused piece.
std::vector<Segment> bpeByScore(std::string_view text, const Vocab &vocab,
                                const std::vector<std::string> &userDefined);

// HF BPE on one pre-tokenised word: merges maps (leftId, rightId) -> (rank, mergedId).
// Characters missing from the vocabulary become byte pieces when byteFallback and the vocab has
// them all, otherwise unkId (consecutive unknowns fused when fuseUnk).
using MergeTable = std::unordered_map<uint64_t, std::pair<int, int>>;
inline uint64_t mergeKey(int left, int right)
{
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
}
void bpeByRank(std::string_view word, const Vocab &vocab, const MergeTable &merges,
               bool byteFallback, int unkId, bool fuseUnk, std::vector<int> &out);

} // namespace ec::text
