// The id <-> piece table of a tokenizer, with SentencePiece piece types and byte pieces.
#pragma once

#include "engine/text/sentencepiece_model.h"

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ec::text {

struct Vocab
{
    std::vector<std::string> pieces;
    std::vector<float> scores;
    std::vector<PieceType> types;
    // Every piece by text; keys view into `pieces` (whose strings never move after finish()).
    std::unordered_map<std::string_view, int> ids;
    std::array<int, 256> byteIds{}; // id of "<0xNN>" byte pieces, -1 when absent

    void add(std::string piece, float score, PieceType type);
    // Builds the lookup tables; call once after the last add().
    void finish();

    int size() const { return static_cast<int>(pieces.size()); }
    int find(std::string_view piece) const
    {
        auto it = ids.find(piece);
        return it == ids.end() ? -1 : it->second;
    }
    bool hasAllBytes() const;
};

// 0..255 for a "<0xNN>" piece, otherwise -1.
int bytePieceValue(std::string_view piece);

} // namespace ec::text
