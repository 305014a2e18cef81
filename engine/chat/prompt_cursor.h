// How far into the rendered conversation the KV cache has read. A chat template renders the whole
// conversation each turn; the cache must only be fed the text after what it already holds (the
// earlier prompts and the answers as generated), tokenized as it would be mid-text.
#pragma once

#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ec::engine {

class PromptCursor
{
public:
    // Ids of `prompt` (the conversation rendered up to the new turn's generation prompt) past the
    // cursor: BOS only at the very start, each image marker expanded to `tokensPerImage` ids.
    // Throws std::logic_error when `prompt` does not extend what was fed.
    std::vector<int64_t> newIds(const text::Tokenizer &tokenizer, const std::string &prompt,
                                int64_t imageTokenId, int64_t tokensPerImage) const;

    // After an answer: `messages` is the conversation up to the user turn just fed, `answer` the
    // answer text as the cache saw it. The cursor moves to the end of the answer.
    void advance(const text::ChatTemplate &chatTemplate, std::vector<text::ChatMessage> messages,
                 const std::string &answer);

    void reset() { covered_.clear(); }
    bool atStart() const { return covered_.empty(); }

private:
    std::string covered_; // the rendered text the cache has seen
};

// A user message with `images` image parts first, then the text (as llava-hf renders them).
text::ChatMessage userMessage(const std::string &text, int64_t images);

} // namespace ec::engine
