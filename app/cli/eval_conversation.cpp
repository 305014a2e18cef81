#include "app/cli/eval_conversation.h"

#include "engine/session.h"

#include <stdexcept>

namespace ec::cli {

ForcedConversation::ForcedConversation(const text::Tokenizer &tokenizer,
                                       const text::ChatTemplate &chatTemplate,
                                       std::string systemPrompt, const engine::ModelInfo &info)
    : tokenizer_(tokenizer)
    , template_(chatTemplate)
    , system_(std::move(systemPrompt))
    , info_(info)
{
}

std::vector<text::ChatMessage> ForcedConversation::withUser(const std::string &question,
                                                            int64_t images) const
{
    auto messages = messages_;
    if (messages.empty() && !system_.empty())
        messages.push_back(text::ChatMessage::system(system_));
    auto user = text::ChatMessage::user("");
    user.parts.clear();
    for (int64_t i = 0; i < images; ++i)
        user.image();
    user.text(question);
    messages.push_back(std::move(user));
    return messages;
}

std::vector<int64_t> ForcedConversation::promptIds(const std::string &question,
                                                   int64_t images) const
{
    const std::string prompt = template_.render(withUser(question, images), true);
    if (!prompt.starts_with(covered_))
        throw std::logic_error("chat template: the new prompt does not extend the conversation");
    std::string suffix = prompt.substr(covered_.size());
    const bool first = covered_.empty();
    if (!first && !suffix.empty() && suffix.front() == ' ')
        suffix.erase(0, 1); // the tokenizer's word prefix stands for it
    const auto ids = tokenizer_.encode(suffix, /*addBos=*/first);
    return engine::expandImageMarkers(std::vector<int64_t>(ids.begin(), ids.end()),
                                      info_.imageTokenId, info_.tokensPerImage);
}

std::vector<int64_t> ForcedConversation::answerIds(const std::string &answer) const
{
    // eval_ppl.py: tokenizer.encode(answer)[:, 1:], i.e. without BOS, with the word prefix.
    const auto ids = tokenizer_.encode(answer, /*addBos=*/false);
    return {ids.begin(), ids.end()};
}

void ForcedConversation::commit(const std::string &question, int64_t images,
                                const std::string &answer)
{
    auto messages = withUser(question, images);
    const size_t promptChars = template_.render(messages, true).size();
    messages.push_back(text::ChatMessage::assistant(answer));
    const std::string rendered = template_.render(messages, false);
    const size_t at = answer.empty() ? std::string::npos : rendered.find(answer, promptChars);
    covered_ = rendered.substr(0, at == std::string::npos ? promptChars : at + answer.size());
    messages_ = std::move(messages);
}

} // namespace ec::cli
