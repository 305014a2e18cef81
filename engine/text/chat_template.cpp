#include "engine/text/chat_template.h"

#include "engine/text/file_util.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ec::text {

ChatMessage ChatMessage::user(std::string text)
{
    ChatMessage m;
    m.role = ChatRole::User;
    return std::move(m.text(std::move(text)));
}

ChatMessage ChatMessage::assistant(std::string text)
{
    ChatMessage m;
    m.role = ChatRole::Assistant;
    return std::move(m.text(std::move(text)));
}

ChatMessage ChatMessage::system(std::string text)
{
    ChatMessage m;
    m.role = ChatRole::System;
    return std::move(m.text(std::move(text)));
}

ChatMessage &ChatMessage::image()
{
    parts.push_back({ChatPart::Image, {}});
    return *this;
}

ChatMessage &ChatMessage::text(std::string t)
{
    parts.push_back({ChatPart::Text, std::move(t)});
    return *this;
}

ChatTemplate::ChatTemplate(Kind kind)
    : m_kind(kind)
{
}

ChatTemplate ChatTemplate::fromName(std::string_view name)
{
    if (name == "llava-hf" || name == "llava_hf")
        return ChatTemplate(Kind::LlavaHf);
    if (name == "llava_v1" || name == "llava-v1")
        return ChatTemplate(Kind::LlavaV1);
    throw std::invalid_argument("unknown chat template '" + std::string(name) +
                                "' (known: llava-hf, llava_v1)");
}

namespace {

using nlohmann::json;

json readJson(const std::filesystem::path &file)
{
    if (!std::filesystem::exists(file))
        return json();
    try {
        return json::parse(readFileLimited(file, 16ull << 20, "checkpoint file"));
    } catch (const json::exception &e) {
        throw std::runtime_error(file.string() + ": malformed JSON: " + e.what());
    }
}

bool isLlavaHfJinja(const json &j)
{
    if (!j.is_object() || !j.contains("chat_template") || !j["chat_template"].is_string())
        return false;
    return j["chat_template"].get<std::string>().find("ASSISTANT:") != std::string::npos;
}

std::string joinedText(const ChatMessage &m)
{
    std::string out;
    for (const auto &p : m.parts) {
        if (p.kind == ChatPart::Text)
            out += p.text;
    }
    return out;
}

} // namespace

ChatTemplate ChatTemplate::fromModelDirectory(const std::filesystem::path &dir,
                                              std::string_view overrideName)
{
    if (!overrideName.empty())
        return fromName(overrideName);
    if (isLlavaHfJinja(readJson(dir / "chat_template.json")) ||
        isLlavaHfJinja(readJson(dir / "tokenizer_config.json")))
        return ChatTemplate(Kind::LlavaHf);
    json config = readJson(dir / "config.json");
    if (config.is_object() &&
        (config.contains("mm_vision_tower") || config.contains("image_aspect_ratio") ||
         config.value("model_type", "") == "llava_llama"))
        return ChatTemplate(Kind::LlavaV1);
    return ChatTemplate(Kind::LlavaHf); // transformers' LlavaForConditionalGeneration default
}

std::string ChatTemplate::name() const
{
    return m_kind == Kind::LlavaHf ? "llava-hf" : "llava_v1";
}

const std::string &ChatTemplate::llavaV1SystemPrompt()
{
    static const std::string s =
        "A chat between a curious human and an artificial intelligence assistant. The assistant "
        "gives helpful, detailed, and polite answers to the human's questions.";
    return s;
}

std::string ChatTemplate::render(const std::vector<ChatMessage> &messages,
                                 bool addGenerationPrompt) const
{
    std::string out;
    if (m_kind == Kind::LlavaHf) {
        // chat_template.json of llava-hf/llava-1.5-7b-hf: role, all images, then each text + ' '.
        for (const auto &m : messages) {
            if (m.role == ChatRole::User)
                out += "USER: ";
            else if (m.role == ChatRole::Assistant)
                out += "ASSISTANT: ";
            for (const auto &p : m.parts) {
                if (p.kind == ChatPart::Image)
                    out += "<image>\n";
            }
            for (const auto &p : m.parts) {
                if (p.kind == ChatPart::Text)
                    out += p.text + " ";
            }
        }
        if (addGenerationPrompt)
            out += "ASSISTANT:";
        return out;
    }
    // llava_v1 (SeparatorStyle.TWO): system + " ", then "ROLE: msg" + (" " | "</s>").
    std::string system = llavaV1SystemPrompt();
    for (const auto &m : messages) {
        if (m.role == ChatRole::System)
            system = joinedText(m);
    }
    out = system + " ";
    for (const auto &m : messages) {
        if (m.role == ChatRole::System)
            continue;
        bool user = m.role == ChatRole::User;
        out += user ? "USER: " : "ASSISTANT: ";
        // Parts in place; a newline separates an image from neighbouring text.
        for (size_t i = 0; i < m.parts.size(); ++i) {
            const ChatPart &p = m.parts[i];
            if (i > 0 && (p.kind == ChatPart::Image) != (m.parts[i - 1].kind == ChatPart::Image))
                out += "\n";
            out += p.kind == ChatPart::Image ? "<image>" : p.text;
        }
        out += user ? " " : "</s>";
    }
    if (addGenerationPrompt)
        out += "ASSISTANT:";
    return out;
}

std::vector<int> encodePrompt(const Tokenizer &tokenizer, std::string_view prompt,
                              const ImageTokens &images)
{
    if (images.tokensPerImage < 0 || images.tokensPerImage > 65536)
        throw std::invalid_argument("bad image token count");
    Tokenizer tok = tokenizer.tokenId(images.marker) == images.tokenId
                        ? tokenizer
                        : tokenizer.withSpecialToken(images.marker, images.tokenId);
    std::vector<int> ids = tok.encode(prompt, true);
    std::vector<int> out;
    out.reserve(ids.size() + 4 * static_cast<size_t>(images.tokensPerImage));
    for (int id : ids) {
        if (id == images.tokenId)
            out.insert(out.end(), static_cast<size_t>(images.tokensPerImage), id);
        else
            out.push_back(id);
    }
    return out;
}

} // namespace ec::text
