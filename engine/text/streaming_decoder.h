// Incremental detokenisation for streaming answers: push ids one at a time and get text that
// never ends inside a UTF-8 character; the concatenation equals Tokenizer::decode of all ids.
#pragma once

#include "engine/text/tokenizer.h"

#include <string>
#include <vector>

namespace ec::text {

class StreamingDecoder
{
public:
    explicit StreamingDecoder(Tokenizer tokenizer, bool skipSpecial = true);

    // Text made complete by `id` (empty while a multi-byte character is still incomplete).
    // Throws std::out_of_range for an id outside the vocabulary.
    std::string push(int id);
    // Whatever is still held back (an incomplete character becomes U+FFFD); resets the decoder.
    std::string finish();

private:
    bool tailIsIncompleteCharacter() const;
    std::string flush();

    Tokenizer m_tokenizer;
    bool m_skipSpecial;
    std::vector<int> m_pending; // ids not yet turned into text
    bool m_atStart = true;      // a leading "▁" may still be dropped
};

} // namespace ec::text
