#include "engine/chat/chat_session.h"

#include "engine/image/pixel_tensor.h"

#include <ATen/ATen.h>

#include <stdexcept>

namespace ec::engine {

namespace {

// Adapts the text tokenizer to the Session's streaming decoder.
class TokenizerDetokenizer : public Detokenizer
{
public:
    explicit TokenizerDetokenizer(text::Tokenizer tokenizer)
        : tokenizer_(std::move(tokenizer))
    {}
    std::string decode(const std::vector<int64_t> &ids) const override
    {
        std::vector<int> narrow;
        narrow.reserve(ids.size());
        for (int64_t id : ids)
            if (id >= 0 && id < tokenizer_.vocabSize())
                narrow.push_back(static_cast<int>(id));
        return tokenizer_.decode(narrow);
    }

private:
    text::Tokenizer tokenizer_;
};

text::Tokenizer withImageToken(text::Tokenizer tokenizer, const ModelInfo &info)
{
    if (info.imageTokenId >= 0 && tokenizer.tokenId("<image>") != info.imageTokenId)
        return tokenizer.withSpecialToken("<image>", static_cast<int>(info.imageTokenId));
    return tokenizer;
}

SessionOptions withDetokenizer(SessionOptions options, const text::Tokenizer &tokenizer)
{
    options.detokenizer = std::make_shared<TokenizerDetokenizer>(tokenizer);
    return options;
}

} // namespace

ChatSession::ChatSession(VisionLanguageModel &model, const std::filesystem::path &modelDir,
                         ChatOptions options)
    : model_(model)
    , tokenizer_(withImageToken(text::Tokenizer::fromDirectory(modelDir), model.info()))
    , template_(text::ChatTemplate::fromModelDirectory(modelDir, options.templateName))
    , preprocess_(image::PreprocessConfig::fromModelDirectory(modelDir))
    , systemPrompt_(options.systemPrompt)
    , session_(model, withDetokenizer(options.session, tokenizer_))
{
    if (systemPrompt_.empty() && template_.kind() == text::ChatTemplate::Kind::LlavaV1)
        systemPrompt_ = text::ChatTemplate::llavaV1SystemPrompt();
}

at::Tensor ChatSession::loadImage(const std::filesystem::path &file) const
{
    return image::loadPixelValues(file, preprocess_);
}

std::vector<text::ChatMessage> ChatSession::withUserTurn(const std::string &text,
                                                         int64_t images) const
{
    auto messages = messages_;
    if (messages.empty() && !systemPrompt_.empty())
        messages.push_back(text::ChatMessage::system(systemPrompt_));
    auto user = text::ChatMessage::user("");
    user.parts.clear();
    for (int64_t i = 0; i < images; ++i)
        user.image();
    user.text(text);
    messages.push_back(std::move(user));
    return messages;
}

std::vector<int64_t> ChatSession::turnIds(const std::string &text, int64_t images) const
{
    const std::string prompt = template_.render(withUserTurn(text, images), true);
    if (!prompt.starts_with(coveredText_))
        throw std::logic_error("chat template: the new prompt does not extend the conversation");
    std::string suffix = prompt.substr(coveredText_.size());
    const bool first = coveredText_.empty();
    // Mid-text, a space before a word is the tokenizer's "▁" prefix of that word; encoding the
    // suffix on its own adds that prefix itself, so the space must not be there twice.
    if (!first && !suffix.empty() && suffix.front() == ' ')
        suffix.erase(0, 1);
    auto ids = tokenizer_.encode(suffix, /*addBos=*/first);
    const auto &info = model_.info();
    std::vector<int64_t> wide(ids.begin(), ids.end());
    return expandImageMarkers(wide, info.imageTokenId, info.tokensPerImage);
}

ChatReply ChatSession::ask(const std::string &text, const std::vector<at::Tensor> &images,
                           const GenerationOptions &generation,
                           const std::function<void(const std::string &)> &onText,
                           const std::atomic<bool> *cancel)
{
    UserTurn turn;
    turn.ids = turnIds(text, static_cast<int64_t>(images.size()));
    turn.images = images;
    auto messages = withUserTurn(text, static_cast<int64_t>(images.size()));
    const size_t promptChars = template_.render(messages, true).size();

    session_.addUserTurn(std::move(turn));
    StreamCallback stream;
    if (onText)
        stream = [&](const StreamEvent &event) {
            if (!event.text.empty())
                onText(event.text);
        };
    ChatReply reply;
    reply.result = session_.generate(generation, stream, cancel);
    reply.text = reply.result.text.empty() ? std::string() : reply.result.text[0];
    // Trim the space the first token's "▁" stands for; the template writes it back.
    while (!reply.text.empty() && reply.text.front() == ' ')
        reply.text.erase(0, 1);

    messages.push_back(text::ChatMessage::assistant(reply.text));
    const std::string rendered = template_.render(messages, false);
    const size_t at = rendered.find(reply.text, promptChars);
    coveredText_ = rendered.substr(0, at == std::string::npos ? promptChars : at + reply.text.size());
    messages_ = std::move(messages);
    return reply;
}

void ChatSession::reset()
{
    session_.reset();
    messages_.clear();
    coveredText_.clear();
}

} // namespace ec::engine
