#include "engine/text/spm_normalizer.h"

#include "engine/text/utf8.h"

#include <cstring>
#include <stdexcept>

namespace ec::text {

namespace {

// Fields of a darts-clone double-array unit.
bool hasLeaf(uint32_t u)
{
    return (u >> 8) & 1;
}
uint32_t unitValue(uint32_t u)
{
    return u & ((1u << 31) - 1);
}
uint32_t unitLabel(uint32_t u)
{
    return u & ((1u << 31) | 0xFF);
}
uint32_t unitOffset(uint32_t u)
{
    return (u >> 10) << ((u & (1u << 9)) >> 6);
}

} // namespace

SpNormalizer::SpNormalizer(const SpModelProto &model, std::vector<std::string> userDefined)
    : m_userDefined(std::move(userDefined))
    , m_addDummyPrefix(model.addDummyPrefix)
    , m_removeExtraWhitespaces(model.removeExtraWhitespaces)
    , m_escapeWhitespaces(model.escapeWhitespaces)
{
    if (model.treatWhitespaceAsSuffix)
        throw std::runtime_error("SentencePiece models with treat_whitespace_as_suffix are not "
                                 "supported");
    const std::string &blob = model.precompiledCharsmap;
    if (blob.empty())
        return;
    uint32_t trieSize = 0;
    if (blob.size() < 4)
        throw std::runtime_error("malformed SentencePiece model: short charsmap");
    std::memcpy(&trieSize, blob.data(), 4);
    if (trieSize % 4 != 0 || trieSize > blob.size() - 4 || trieSize == 0)
        throw std::runtime_error("malformed SentencePiece model: bad charsmap trie size");
    m_trie.resize(trieSize / 4);
    std::memcpy(m_trie.data(), blob.data() + 4, trieSize);
    m_normalized = blob.substr(4 + trieSize);
}

size_t SpNormalizer::longestCharsmapMatch(std::string_view key, uint32_t &value) const
{
    // Common-prefix search in the double array; every index is checked against its size.
    size_t best = 0;
    uint32_t pos = 0;
    if (m_trie.empty())
        return 0;
    uint32_t unit = m_trie[0];
    pos ^= unitOffset(unit);
    for (size_t i = 0; i < key.size(); ++i) {
        auto c = static_cast<unsigned char>(key[i]);
        pos ^= c;
        if (pos >= m_trie.size())
            return best;
        unit = m_trie[pos];
        if (unitLabel(unit) != c)
            return best;
        pos ^= unitOffset(unit);
        if (hasLeaf(unit)) {
            if (pos >= m_trie.size())
                return best;
            value = unitValue(m_trie[pos]);
            best = i + 1;
        }
    }
    return best;
}

std::pair<std::string_view, size_t> SpNormalizer::normalizePrefix(std::string_view input) const
{
    for (const auto &u : m_userDefined) { // user-defined symbols are never normalised
        if (!u.empty() && input.substr(0, u.size()) == u)
            return {input.substr(0, u.size()), u.size()};
    }
    uint32_t value = 0;
    size_t n = longestCharsmapMatch(input, value);
    if (n > 0) {
        if (value >= m_normalized.size())
            throw std::runtime_error("malformed SentencePiece model: charsmap value out of range");
        const char *s = m_normalized.data() + value;
        size_t len = strnlen(s, m_normalized.size() - value);
        return {std::string_view(s, len), n};
    }
    size_t len = utf8CharLength(input);
    if (len == 0)
        return {kReplacementCharacter, 1}; // malformed byte: U+FFFD, consume one byte
    return {input.substr(0, len), len};
}

std::string SpNormalizer::normalize(std::string_view input) const
{
    std::string out;
    if (m_removeExtraWhitespaces) {
        while (!input.empty()) {
            auto p = normalizePrefix(input);
            if (p.first != " ")
                break;
            input.remove_prefix(p.second);
        }
    }
    if (input.empty())
        return out;
    out.reserve(input.size() * 3 / 2 + 3);
    const std::string_view space = m_escapeWhitespaces ? kSpaceSymbol : std::string_view(" ");
    if (m_addDummyPrefix)
        out.append(space);
    bool prevSpace = m_removeExtraWhitespaces;
    while (!input.empty()) {
        auto [sp, consumed] = normalizePrefix(input);
        if (prevSpace) {
            while (!sp.empty() && sp.front() == ' ')
                sp.remove_prefix(1);
        }
        if (!sp.empty()) {
            for (char c : sp) {
                if (m_escapeWhitespaces && c == ' ')
                    out.append(kSpaceSymbol);
                else
                    out.push_back(c);
            }
            prevSpace = m_removeExtraWhitespaces && sp.back() == ' ';
        }
        input.remove_prefix(consumed);
    }
    if (m_removeExtraWhitespaces) {
        while (out.size() >= space.size() &&
               out.compare(out.size() - space.size(), space.size(), space) == 0)
            out.resize(out.size() - space.size());
    }
    return out;
}

} // namespace ec::text
