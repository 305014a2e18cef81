// A text-and-image conversation over a Session: renders the checkpoint's chat template, feeds
// only what the cache has not seen yet (so earlier turns stay compacted), preprocesses images as
// the checkpoint says, and streams the answer as text. It is the engine's one record of the
// conversation: every turn with its images, and how many of them the cache holds, so that a new
// policy or system prompt (or a failed turn) replays the conversation inside it.
#pragma once

#include "engine/chat/prompt_cursor.h"
#include "engine/image/preprocess_config.h"
#include "engine/session.h"
#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

#include <ATen/core/Tensor.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <string_view>
#include <string>
#include <vector>

namespace ec::engine {

struct ChatOptions
{
    SessionOptions session;
    std::string templateName;  // empty: the checkpoint's own (chat_template.json / config.json)
    std::string systemPrompt;  // empty: none (llava_v1 uses its default system prompt)
};

// A past turn to feed again (a reopened conversation, a cache rebuilt under another policy).
struct ChatTurn
{
    text::ChatRole role = text::ChatRole::User;
    std::string text;
    std::vector<at::Tensor> images; // pixel_values [1, 3, H, W] each, user turns only
};

struct ChatReply
{
    std::string text;
    TurnResult result;
};

class ChatSession
{
public:
    // Reads the tokenizer, chat template and preprocessor of `modelDir` (the folder `model` was
    // loaded from). Throws std::runtime_error naming the file that is missing or malformed.
    ChatSession(VisionLanguageModel &model, const std::filesystem::path &modelDir,
                ChatOptions options = {});

    // pixel_values [1, 3, H, W] of an image file (or its encoded bytes), as this checkpoint
    // preprocesses it. Throws image::ImageError naming the problem.
    at::Tensor loadImage(const std::filesystem::path &file) const;
    at::Tensor decodeImage(std::string_view encodedBytes) const;

    // Turns of an earlier conversation, fed together with the next ask() (prefill only).
    void addHistory(std::vector<ChatTurn> turns);
    // A new policy (or system prompt) needs a new cache: the conversation is fed again with
    // the next ask(). No effect when it is the current one.
    void setPolicy(const cache::PolicyConfig &policy);
    void setSystemPrompt(const std::string &systemPrompt);
    // The slider's budget: applies from the next compaction, without a replay.
    void setBudget(const cache::Budget &budget);

    // One user turn (images shown before the text) and the streamed answer, without the space
    // the answer's first token stands for. On an exception nothing of the turn is kept (when
    // the cache had already read it, the conversation is replayed with the next turn).
    ChatReply ask(const std::string &text, const std::vector<at::Tensor> &images,
                  const GenerationOptions &generation,
                  const std::function<void(const std::string &)> &onText = {},
                  const std::atomic<bool> *cancel = nullptr);

    // The token ids `ask` would feed for this turn, queued history included (for inspection
    // commands and tests).
    std::vector<int64_t> turnIds(const std::string &text, int64_t images) const;

    // Forgets the conversation.
    void reset();
    Session &session() { return session_; }
    const Session &session() const { return session_; }
    const text::Tokenizer &tokenizer() const { return tokenizer_; }
    const text::ChatTemplate &chatTemplate() const { return template_; }
    // Every turn of the conversation, and how many of them the cache holds.
    const std::vector<ChatTurn> &turns() const { return turns_; }
    size_t fedTurns() const { return fed_; }
    // Whether the next ask() starts the cache over and feeds the whole conversation.
    bool replayPending() const { return replay_; }

private:
    // The whole conversation (system prompt included) and a new user turn.
    std::vector<text::ChatMessage> withUserTurn(const std::string &text, int64_t images) const;
    void replayIfNeeded();
    std::string effectiveSystemPrompt(const std::string &requested) const;

    VisionLanguageModel &model_;
    text::Tokenizer tokenizer_;
    text::ChatTemplate template_;
    image::PreprocessConfig preprocess_;
    std::string systemPrompt_;
    Session session_;
    std::vector<ChatTurn> turns_; // the conversation, user turns with their pixels
    size_t fed_ = 0;              // turns_[0, fed_) are in the cache
    bool replay_ = false;         // the cache must be rebuilt from turns_ before the next turn
    PromptCursor cursor_;
};

} // namespace ec::engine
