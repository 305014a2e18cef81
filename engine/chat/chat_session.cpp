#include "engine/chat/chat_session.h"

#include "engine/image/clip_preprocess.h"
#include "engine/image/image_decode.h"
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
    , session_(model, withDetokenizer(options.session, tokenizer_))
{
    systemPrompt_ = effectiveSystemPrompt(options.systemPrompt);
}

std::string ChatSession::effectiveSystemPrompt(const std::string &requested) const
{
    // llava_v1 checkpoints were trained with their default system prompt.
    if (requested.empty() && template_.kind() == text::ChatTemplate::Kind::LlavaV1)
        return text::ChatTemplate::llavaV1SystemPrompt();
    return requested;
}

at::Tensor ChatSession::loadImage(const std::filesystem::path &file) const
{
    return image::loadPixelValues(file, preprocess_);
}

void ChatSession::addHistory(std::vector<ChatTurn> turns)
{
    for (auto &turn : turns) {
        if (turn.role == text::ChatRole::System)
            continue; // the system prompt comes from the options
        turns_.push_back(std::move(turn));
    }
}

void ChatSession::setPolicy(const cache::PolicyConfig &policy)
{
    const cache::PolicyConfig &now = session_.policy().config();
    cache::PolicyConfig sameBudget = policy;
    sameBudget.budget = now.budget;
    if (sameBudget == now) { // the same rules: only the budget can differ
        setBudget(policy.budget);
        return;
    }
    session_.reset(policy);
    replay_ = true;
}

void ChatSession::setSystemPrompt(const std::string &systemPrompt)
{
    std::string prompt = effectiveSystemPrompt(systemPrompt);
    if (prompt == systemPrompt_)
        return;
    systemPrompt_ = std::move(prompt);
    replay_ = true;
}

void ChatSession::setBudget(const cache::Budget &budget)
{
    session_.policy().setBudget(budget);
}

void ChatSession::replayIfNeeded()
{
    if (!replay_)
        return;
    session_.reset();
    cursor_.reset();
    fed_ = 0;
    replay_ = false;
}

at::Tensor ChatSession::decodeImage(std::string_view encodedBytes) const
{
    return image::pixelValuesTensor(
        {image::preprocessImage(image::decodeImage(encodedBytes), preprocess_)});
}

std::vector<text::ChatMessage> ChatSession::withUserTurn(const std::string &text,
                                                         int64_t images) const
{
    std::vector<text::ChatMessage> messages;
    if (!systemPrompt_.empty())
        messages.push_back(text::ChatMessage::system(systemPrompt_));
    for (const auto &turn : turns_)
        messages.push_back(turn.role == text::ChatRole::Assistant
                               ? text::ChatMessage::assistant(turn.text)
                               : userMessage(turn.text, static_cast<int64_t>(turn.images.size())));
    messages.push_back(userMessage(text, images));
    return messages;
}

std::vector<int64_t> ChatSession::turnIds(const std::string &text, int64_t images) const
{
    const auto &info = model_.info();
    // After a replay is due, the cursor will start over: ask() resets it first.
    PromptCursor fresh;
    const PromptCursor &cursor = replay_ ? fresh : cursor_;
    return cursor.newIds(tokenizer_, template_.render(withUserTurn(text, images), true),
                         info.imageTokenId, info.tokensPerImage);
}

ChatReply ChatSession::ask(const std::string &text, const std::vector<at::Tensor> &images,
                           const GenerationOptions &generation,
                           const std::function<void(const std::string &)> &onText,
                           const std::atomic<bool> *cancel)
{
    replayIfNeeded();
    UserTurn turn;
    turn.ids = turnIds(text, static_cast<int64_t>(images.size()));
    for (size_t i = fed_; i < turns_.size(); ++i)
        turn.images.insert(turn.images.end(), turns_[i].images.begin(), turns_[i].images.end());
    turn.images.insert(turn.images.end(), images.begin(), images.end());
    auto messages = withUserTurn(text, static_cast<int64_t>(images.size()));
    session_.addUserTurn(std::move(turn));
    StreamCallback stream;
    bool leading = true; // the first token's word prefix is a space the template owns
    if (onText)
        stream = [&](const StreamEvent &event) {
            std::string piece = event.text;
            if (leading) {
                const size_t start = piece.find_first_not_of(' ');
                piece = start == std::string::npos ? std::string() : piece.substr(start);
                leading = piece.empty();
            }
            if (!piece.empty())
                onText(piece);
        };
    ChatReply reply;
    const int64_t commitsBefore = session_.cache().commits();
    try {
        reply.result = session_.generate(generation, stream, cancel);
    } catch (...) {
        // A prefill that failed before its slots went live leaves the cache as it was; any
        // later failure (compaction, decoding) left the turn in the cache, which the next turn
        // rebuilds from turns_.
        const bool takenBack = session_.unqueueLastTurn();
        if (!takenBack || session_.cache().commits() != commitsBefore)
            replay_ = true;
        throw;
    }
    reply.text = reply.result.text.empty() ? std::string() : reply.result.text[0];
    // Trim the space the first token's "▁" stands for; the template writes it back.
    while (!reply.text.empty() && reply.text.front() == ' ')
        reply.text.erase(0, 1);

    cursor_.advance(template_, messages, reply.text);
    turns_.push_back({text::ChatRole::User, text, images});
    turns_.push_back({text::ChatRole::Assistant, reply.text, {}});
    fed_ = turns_.size();
    return reply;
}

void ChatSession::reset()
{
    session_.reset();
    turns_.clear();
    fed_ = 0;
    replay_ = false;
    cursor_.reset();
}

} // namespace ec::engine
