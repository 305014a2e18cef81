#include "lab/cli/eval_conversation.h"

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
    messages.push_back(engine::userMessage(question, images));
    return messages;
}

std::vector<int64_t> ForcedConversation::promptIds(const std::string &question,
                                                   int64_t images) const
{
    return cursor_.newIds(tokenizer_, template_.render(withUser(question, images), true),
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
    cursor_.advance(template_, messages, answer);
    messages.push_back(text::ChatMessage::assistant(answer));
    messages_ = std::move(messages);
}

} // namespace ec::cli
