#include "engine/text/vocab.h"

#include <stdexcept>

namespace ec::text {

void Vocab::add(std::string piece, float score, PieceType type)
{
    pieces.push_back(std::move(piece));
    scores.push_back(score);
    types.push_back(type);
}

void Vocab::finish()
{
    ids.clear();
    ids.reserve(pieces.size() * 2);
    byteIds.fill(-1);
    for (int i = 0; i < size(); ++i) {
        // The first occurrence wins, as in SentencePiece (duplicates are malformed anyway).
        ids.emplace(std::string_view(pieces[i]), i);
        if (types[i] == PieceType::Byte) {
            int b = bytePieceValue(pieces[i]);
            if (b < 0)
                throw std::runtime_error("malformed tokenizer: byte piece '" + pieces[i] + "'");
            byteIds[b] = i;
        }
    }
}

bool Vocab::hasAllBytes() const
{
    for (int id : byteIds) {
        if (id < 0)
            return false;
    }
    return true;
}

int bytePieceValue(std::string_view p)
{
    auto hex = [](char c) {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    if (p.size() != 6 || p.substr(0, 3) != "<0x" || p[5] != '>')
        return -1;
    int hi = hex(p[3]), lo = hex(p[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

} // namespace ec::text
