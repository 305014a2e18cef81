#include "engine/chat/prompt_cursor.h"

#include "engine/session.h"

#include <stdexcept>

namespace ec::engine {

std::vector<int64_t> PromptCursor::newIds(const text::Tokenizer &tokenizer,
                                          const std::string &prompt, int64_t imageTokenId,
                                          int64_t tokensPerImage) const
{
    if (!prompt.starts_with(covered_))
        throw std::logic_error("chat template: the new prompt does not extend the conversation");
    std::string suffix = prompt.substr(covered_.size());
    const bool first = covered_.empty();
    // Mid-text, a space before a word is the tokenizer's "▁" prefix of that word; encoding the
    // suffix on its own adds that prefix itself, so the space must not be there twice.
    if (!first && !suffix.empty() && suffix.front() == ' ')
        suffix.erase(0, 1);
    const auto ids = tokenizer.encode(suffix, /*addBos=*/first);
    return expandImageMarkers(std::vector<int64_t>(ids.begin(), ids.end()), imageTokenId,
                              tokensPerImage);
}

void PromptCursor::advance(const text::ChatTemplate &chatTemplate,
                           std::vector<text::ChatMessage> messages, const std::string &answer)
{
    const size_t promptChars = chatTemplate.render(messages, true).size();
    messages.push_back(text::ChatMessage::assistant(answer));
    const std::string rendered = chatTemplate.render(messages, false);
    // The answer follows the generation prompt, after the space its first token stands for.
    const size_t at = answer.empty() ? std::string::npos : rendered.find(answer, promptChars);
    covered_ = rendered.substr(0, at == std::string::npos ? promptChars : at + answer.size());
}

text::ChatMessage userMessage(const std::string &text, int64_t images)
{
    auto user = text::ChatMessage::user("");
    user.parts.clear();
    for (int64_t i = 0; i < images; ++i)
        user.image();
    user.text(text);
    return user;
}

} // namespace ec::engine
