// Strict UTF-8 helpers shared by the tokenizer, its normaliser and the streaming decoder.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ec::text {

// Length of the well-formed UTF-8 character at the start of `s` (1..4), or 0 when the bytes
// there are malformed (bad lead, bad continuation, overlong, surrogate, > U+10FFFF, cut off).
size_t utf8CharLength(std::string_view s);

// Like utf8CharLength, but never 0 for non-empty input: malformed bytes count as one byte.
inline size_t utf8StepLength(std::string_view s)
{
    size_t n = utf8CharLength(s);
    return n == 0 ? 1 : n;
}

// True when `s` ends in the first bytes of a multi-byte character that more bytes could
// complete (what a streaming decoder must hold back).
bool endsWithIncompleteUtf8(std::string_view s);

bool isValidUtf8(std::string_view s);

// Replaces every malformed byte by U+FFFD, as SentencePiece does for its input.
std::string sanitizeUtf8(std::string_view s);

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";
inline constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81"; // U+2581, SentencePiece's space

} // namespace ec::text
