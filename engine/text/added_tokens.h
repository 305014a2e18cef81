// Added tokens (<s>, </s>, <image>, <pad>, ...) found verbatim in the input text before any
// normalisation, the way HF tokenizers splits on them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ec::text {

struct AddedToken
{
    std::string content;
    int id = -1;
    bool special = true;
    bool lstrip = false; // also swallows whitespace on its left
    bool rstrip = false; // ... and on its right
};

struct TextPiece
{
    std::string_view text; // empty for a matched token
    int tokenId = -1;      // >= 0 when this piece is an added token
    size_t offset = 0;     // byte offset in the input
};

class AddedTokenMatcher
{
public:
    void add(AddedToken token);
    const std::vector<AddedToken> &tokens() const { return m_tokens; }

    // Splits `text` into plain runs and tokens (leftmost, then longest match); empty runs are
    // dropped.
    std::vector<TextPiece> split(std::string_view text) const;

private:
    std::vector<AddedToken> m_tokens;
    bool m_firstByte[256] = {}; // quick reject for positions no token can start at
};

} // namespace ec::text
