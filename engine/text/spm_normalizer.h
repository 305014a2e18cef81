// SentencePiece's text normaliser: optional precompiled character map (NFKC rules stored as a
// Darts double-array trie), extra-whitespace folding, the dummy "▁" prefix and the space escape.
#pragma once

#include "engine/text/sentencepiece_model.h"

#include <string>
#include <string_view>
#include <vector>

namespace ec::text {

class SpNormalizer
{
public:
    SpNormalizer() = default;
    // userDefined: pieces that pass through untouched (SentencePiece matches them first).
    SpNormalizer(const SpModelProto &model, std::vector<std::string> userDefined);

    // Normalises one segment of text. The result is empty for empty input.
    std::string normalize(std::string_view input) const;

    bool addDummyPrefix() const { return m_addDummyPrefix; }
    bool removeExtraWhitespaces() const { return m_removeExtraWhitespaces; }

private:
    // The normalised form of the longest rule at the start of `input` and the bytes it consumes.
    std::pair<std::string_view, size_t> normalizePrefix(std::string_view input) const;
    size_t longestCharsmapMatch(std::string_view input, uint32_t &value) const;

    std::vector<uint32_t> m_trie;
    std::string m_normalized; // NUL-separated replacement strings
    std::vector<std::string> m_userDefined;
    bool m_addDummyPrefix = true;
    bool m_removeExtraWhitespaces = false;
    bool m_escapeWhitespaces = true;
};

} // namespace ec::text
