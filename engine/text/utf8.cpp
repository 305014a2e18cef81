#include "engine/text/utf8.h"

namespace ec::text {

namespace {

bool isTrail(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

// Bytes a character with this lead byte needs (0 for a byte that cannot lead).
size_t expectedLength(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0)
        return 2;
    if ((c & 0xF0) == 0xE0)
        return 3;
    if ((c & 0xF8) == 0xF0)
        return 4;
    return 0;
}

} // namespace

size_t utf8CharLength(std::string_view s)
{
    if (s.empty())
        return 0;
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    size_t n = expectedLength(p[0]);
    if (n == 0 || s.size() < n)
        return 0;
    for (size_t i = 1; i < n; ++i) {
        if (!isTrail(p[i]))
            return 0;
    }
    char32_t cp = 0;
    switch (n) {
    case 1:
        return 1;
    case 2:
        cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        return cp >= 0x80 ? 2 : 0;
    case 3:
        cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? 3 : 0;
    default:
        cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) |
             (p[3] & 0x3Fu);
        return cp >= 0x10000 && cp <= 0x10FFFF ? 4 : 0;
    }
}

bool endsWithIncompleteUtf8(std::string_view s)
{
    // A character has at most 4 bytes: look for the last lead byte among the final 3.
    size_t lookBack = s.size() < 3 ? s.size() : 3;
    for (size_t k = 1; k <= lookBack; ++k) {
        auto c = static_cast<unsigned char>(s[s.size() - k]);
        if (isTrail(c))
            continue;
        size_t need = expectedLength(c);
        if (need <= k)
            return false;
        // Check that what is there could still become a valid character.
        std::string probe(s.substr(s.size() - k));
        static const char kFill[] = "\x80\x80\x80";
        // Pick continuation bytes that keep the smallest legal code point for the lead.
        unsigned char second = need == 3 && c == 0xE0 ? 0xA0 : need == 4 && c == 0xF0 ? 0x90 : 0x80;
        if (k == 1)
            probe.push_back(static_cast<char>(second));
        probe.append(kFill, need - probe.size());
        return utf8CharLength(probe) == need;
    }
    return false;
}

bool isValidUtf8(std::string_view s)
{
    while (!s.empty()) {
        size_t n = utf8CharLength(s);
        if (n == 0)
            return false;
        s.remove_prefix(n);
    }
    return true;
}

std::string sanitizeUtf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        size_t n = utf8CharLength(s);
        if (n == 0) {
            out.append(kReplacementCharacter);
            n = 1;
        } else {
            out.append(s.substr(0, n));
        }
        s.remove_prefix(n);
    }
    return out;
}

} // namespace ec::text
