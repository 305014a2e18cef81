// Prompt formats of LLaVA checkpoints: llava-hf's chat_template.json and original LLaVA's
// llava_v1 conversation, multi-turn, with images anywhere in a turn; and the prompt's token ids
// with every <image> marker expanded to the model's image-token count.
#pragma once

#include "engine/text/tokenizer.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ec::text {

enum class ChatRole { System, User, Assistant };

struct ChatPart
{
    enum Kind { Text, Image } kind = Text;
    std::string text; // empty for an image
};

struct ChatMessage
{
    ChatRole role = ChatRole::User;
    std::vector<ChatPart> parts;

    static ChatMessage user(std::string text);
    static ChatMessage assistant(std::string text);
    static ChatMessage system(std::string text);
    ChatMessage &image();                // appends an image part
    ChatMessage &text(std::string text); // appends a text part
};

class ChatTemplate
{
public:
    enum class Kind {
        LlavaHf, // "USER: <image>\nQ ASSISTANT: A USER: ..." (images first in each message)
        LlavaV1, // "<system> USER: <image>\nQ ASSISTANT: A</s>USER: ..." (images in place)
    };

    explicit ChatTemplate(Kind kind = Kind::LlavaHf);

    // "llava-hf" or "llava_v1" (also "llava-v1"); throws std::invalid_argument otherwise.
    static ChatTemplate fromName(std::string_view name);
    // The checkpoint's format: chat_template.json / tokenizer_config.json (llava-hf Jinja) or
    // config.json (original LLaVA: mm_vision_tower, image_aspect_ratio). An override name wins.
    static ChatTemplate fromModelDirectory(const std::filesystem::path &dir,
                                           std::string_view overrideName = {});

    // The prompt text; with addGenerationPrompt it ends in "ASSISTANT:" for the model to
    // continue. Images render as the marker "<image>".
    std::string render(const std::vector<ChatMessage> &messages,
                       bool addGenerationPrompt = true) const;

    Kind kind() const { return m_kind; }
    std::string name() const;
    // llava_v1's default system prompt (vicuna v1).
    static const std::string &llavaV1SystemPrompt();

private:
    Kind m_kind;
};

struct ImageTokens
{
    int tokenId = 32000;      // config.json image_token_index
    int tokensPerImage = 576; // (image_size / patch_size)^2 for the "default" feature strategy
    std::string marker = "<image>";
};

// Encodes a rendered prompt with BOS and replaces each marker by tokensPerImage copies of
// tokenId (the marker is registered as a special token when the tokenizer lacks it).
std::vector<int> encodePrompt(const Tokenizer &tokenizer, std::string_view prompt,
                              const ImageTokens &images);

} // namespace ec::text
