// Import of exported JSON. The file is treated as hostile: every field is type-checked and every
// image must hash to its address before anything is written.
#include "app/history/base64.h"
#include "app/history/conversation_export.h"
#include "app/history/history_store.h"
#include "app/history/sha256.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace ec::history {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string &where, const std::string &what)
{
    throw HistoryError("cannot import: " + where + " " + what);
}

const json &field(const json &object, const char *key, const std::string &where)
{
    if (!object.is_object() || !object.contains(key))
        bad(where, std::string("has no \"") + key + "\"");
    return object.at(key);
}

std::string text(const json &object, const char *key, const std::string &where)
{
    const json &v = field(object, key, where);
    if (!v.is_string())
        bad(where + "." + key, "is not a string");
    return v.get<std::string>();
}

std::string textOr(const json &object, const char *key, const std::string &where)
{
    return object.contains(key) ? text(object, key, where) : std::string();
}

std::int64_t integer(const json &object, const char *key, const std::string &where)
{
    const json &v = field(object, key, where);
    if (!v.is_number_integer())
        bad(where + "." + key, "is not an integer");
    return v.get<std::int64_t>();
}

std::optional<std::int64_t> optInteger(const json &object, const char *key,
                                       const std::string &where)
{
    if (!object.contains(key) || object.at(key).is_null())
        return std::nullopt;
    return integer(object, key, where);
}

double number(const json &object, const char *key, const std::string &where)
{
    const json &v = field(object, key, where);
    if (!v.is_number())
        bad(where + "." + key, "is not a number");
    return v.get<double>();
}

std::optional<double> optNumber(const json &object, const char *key, const std::string &where)
{
    if (!object.contains(key) || object.at(key).is_null())
        return std::nullopt;
    return number(object, key, where);
}

bool isSha256(const std::string &s)
{
    if (s.size() != 64)
        return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

TurnStats readStats(const json &j, const std::string &where)
{
    TurnStats s;
    s.policy = text(j, "policy", where);
    s.budgetRatio = optNumber(j, "budget_ratio", where);
    s.budgetBytes = optInteger(j, "budget_bytes", where);
    s.entriesBefore = integer(j, "entries_before", where);
    s.entriesAfter = integer(j, "entries_after", where);
    s.bytesBefore = integer(j, "bytes_before", where);
    s.bytesAfter = integer(j, "bytes_after", where);
    s.merged = integer(j, "merged", where);
    s.evicted = integer(j, "evicted", where);
    s.prefillMs = number(j, "prefill_ms", where);
    s.compactionMs = number(j, "compaction_ms", where);
    s.decodeTokens = integer(j, "decode_tokens", where);
    s.decodeMs = number(j, "decode_ms", where);
    s.peakMemoryBytes = integer(j, "peak_memory_bytes", where);
    s.device = text(j, "device", where);
    return s;
}

Message readMessage(const json &j, const std::string &where)
{
    if (!j.is_object())
        bad(where, "is not an object");
    Message m;
    try {
        m.role = roleFromString(text(j, "role", where));
        m.status = statusFromString(text(j, "status", where));
    } catch (const std::invalid_argument &e) {
        bad(where, e.what());
    }
    m.text = text(j, "text", where);
    m.createdAt = integer(j, "created_at_ms", where);
    m.updatedAt = j.contains("updated_at_ms") ? integer(j, "updated_at_ms", where) : m.createdAt;
    m.error = textOr(j, "error", where);
    m.promptTokens = optInteger(j, "prompt_tokens", where);
    m.completionTokens = optInteger(j, "completion_tokens", where);
    if (j.contains("attachments")) {
        const json &list = j.at("attachments");
        if (!list.is_array())
            bad(where + ".attachments", "is not an array");
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string at = where + ".attachments[" + std::to_string(i) + "]";
            Attachment a;
            a.sha256 = text(list[i], "sha256", at);
            if (!isSha256(a.sha256))
                bad(at + ".sha256", "is not a sha256 hex digest");
            a.mime = text(list[i], "mime", at);
            std::int64_t w = integer(list[i], "width", at), h = integer(list[i], "height", at);
            if (w < 0 || h < 0 || w > 1 << 20 || h > 1 << 20)
                bad(at, "has an impossible size");
            a.width = int(w);
            a.height = int(h);
            m.attachments.push_back(std::move(a));
        }
    }
    if (j.contains("cache_stats") && !j.at("cache_stats").is_null())
        m.stats = readStats(j.at("cache_stats"), where + ".cache_stats");
    return m;
}

} // namespace

std::int64_t importJson(HistoryStore &store, std::string_view text_)
{
    json doc = json::parse(text_.begin(), text_.end(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
        throw HistoryError("cannot import: the file is not valid JSON");
    if (!doc.contains("format") || doc["format"] != kExportFormat)
        throw HistoryError("cannot import: not an Elastic Chat conversation export");
    std::int64_t version = integer(doc, "version", "the file");
    if (version < 1 || version > kExportVersion)
        throw HistoryError("cannot import: export version " + std::to_string(version) +
                           " is not supported (this build reads up to " +
                           std::to_string(kExportVersion) + ")");

    const json &cj = field(doc, "conversation", "the file");
    ConversationDetail detail;
    Conversation &c = detail.conversation;
    c.title = text(cj, "title", "conversation");
    c.createdAt = integer(cj, "created_at_ms", "conversation");
    c.updatedAt = integer(cj, "updated_at_ms", "conversation");
    if (cj.contains("model")) {
        c.modelPath = textOr(cj["model"], "path", "conversation.model");
        c.modelFingerprint = textOr(cj["model"], "fingerprint", "conversation.model");
    }
    if (cj.contains("cache")) {
        const json &cache = cj["cache"];
        c.cache.policy = textOr(cache, "policy", "conversation.cache");
        c.cache.budgetRatio = optNumber(cache, "budget_ratio", "conversation.cache");
        c.cache.budgetBytes = optInteger(cache, "budget_bytes", "conversation.cache");
    }
    if (cj.contains("settings"))
        c.settingsJson =
            cj["settings"].is_string() ? cj["settings"].get<std::string>() : cj["settings"].dump();

    const json &messages = field(doc, "messages", "the file");
    if (!messages.is_array())
        bad("messages", "is not an array");
    for (std::size_t i = 0; i < messages.size(); ++i)
        detail.messages.push_back(readMessage(messages[i], "messages[" + std::to_string(i) + "]"));

    std::vector<ImageInput> images;
    if (doc.contains("images")) {
        const json &list = doc["images"];
        if (!list.is_object())
            bad("images", "is not an object");
        for (auto it = list.begin(); it != list.end(); ++it) {
            std::string where = "images[\"" + it.key().substr(0, 64) + "\"]";
            if (!it.value().is_string())
                bad(where, "is not a base64 string");
            ImageInput image;
            try {
                image.bytes = base64Decode(it.value().get<std::string>());
            } catch (const std::invalid_argument &e) {
                bad(where, e.what());
            }
            if (sha256Hex(image.bytes.data(), image.bytes.size()) != it.key())
                bad(where, "does not match its sha256 (the file is damaged)");
            images.push_back(std::move(image));
        }
    }
    // Metadata comes from the attachment that names the image.
    for (ImageInput &image : images) {
        std::string sha = sha256Hex(image.bytes.data(), image.bytes.size());
        for (const Message &m : detail.messages)
            for (const Attachment &a : m.attachments)
                if (a.sha256 == sha) {
                    image.mime = a.mime;
                    image.width = a.width;
                    image.height = a.height;
                }
    }
    return store.insertConversation(detail, images);
}

} // namespace ec::history
