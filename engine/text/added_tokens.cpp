#include "engine/text/added_tokens.h"

#include <algorithm>

namespace ec::text {

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

} // namespace

void AddedTokenMatcher::add(AddedToken token)
{
    if (token.content.empty())
        return;
    for (auto &t : m_tokens) {
        if (t.content == token.content) {
            t = std::move(token);
            return;
        }
    }
    m_firstByte[static_cast<unsigned char>(token.content[0])] = true;
    m_tokens.push_back(std::move(token));
    // Longest first, so the first match at a position is the longest.
    std::stable_sort(m_tokens.begin(), m_tokens.end(),
                     [](const AddedToken &a, const AddedToken &b) {
                         return a.content.size() > b.content.size();
                     });
}

std::vector<TextPiece> AddedTokenMatcher::split(std::string_view text) const
{
    std::vector<TextPiece> out;
    size_t runStart = 0;
    auto flush = [&](size_t end) {
        if (end > runStart)
            out.push_back({text.substr(runStart, end - runStart), -1, runStart});
    };
    size_t pos = 0;
    while (pos < text.size()) {
        const AddedToken *hit = nullptr;
        if (m_firstByte[static_cast<unsigned char>(text[pos])]) {
            for (const auto &t : m_tokens) {
                if (text.compare(pos, t.content.size(), t.content) == 0) {
                    hit = &t;
                    break;
                }
            }
        }
        if (!hit) {
            ++pos;
            continue;
        }
        size_t left = pos;
        if (hit->lstrip) {
            while (left > runStart && isSpace(text[left - 1]))
                --left;
        }
        flush(left);
        out.push_back({{}, hit->id, pos});
        pos += hit->content.size();
        if (hit->rstrip) {
            while (pos < text.size() && isSpace(text[pos]))
                ++pos;
        }
        runStart = pos;
    }
    flush(text.size());
    return out;
}

} // namespace ec::text
