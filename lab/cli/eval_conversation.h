// The token ids of a teacher-forced conversation: each turn's prompt as the chat template
// renders it on top of the turns before (with their reference answers), and the answer's ids as
// the reference scripts take them (encoded on their own, no BOS). Mirrors how ChatSession feeds
// only the text the cache has not seen yet, so forced and generated runs see the same prompts.
#pragma once

#include "engine/chat/prompt_cursor.h"
#include "engine/model/vision_language_model.h"
#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ec::cli {

class ForcedConversation
{
public:
    ForcedConversation(const text::Tokenizer &tokenizer, const text::ChatTemplate &chatTemplate,
                       std::string systemPrompt, const engine::ModelInfo &info);

    // Ids of the next user turn (images first, as ChatSession renders them), markers expanded.
    std::vector<int64_t> promptIds(const std::string &question, int64_t images) const;
    std::vector<int64_t> answerIds(const std::string &answer) const;
    // Records the turn and its answer as seen, so the next prompt starts after the answer.
    void commit(const std::string &question, int64_t images, const std::string &answer);

private:
    std::vector<text::ChatMessage> withUser(const std::string &question, int64_t images) const;

    const text::Tokenizer &tokenizer_;
    const text::ChatTemplate &template_;
    std::string system_;
    const engine::ModelInfo &info_;
    std::vector<text::ChatMessage> messages_;
    engine::PromptCursor cursor_;
};

} // namespace ec::cli
