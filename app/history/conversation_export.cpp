#include "app/history/conversation_export.h"

#include "app/history/base64.h"
#include "app/history/history_store.h"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace ec::history {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string isoTime(std::int64_t ms)
{
    std::time_t t = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string extensionFor(const std::string &mime)
{
    if (mime == "image/png")
        return ".png";
    if (mime == "image/jpeg")
        return ".jpg";
    if (mime == "image/webp")
        return ".webp";
    if (mime == "image/gif")
        return ".gif";
    if (mime == "image/bmp")
        return ".bmp";
    return ".bin";
}

json optionalJson(const std::optional<double> &v)
{
    return v ? json(*v) : json(nullptr);
}

json optionalJson(const std::optional<std::int64_t> &v)
{
    return v ? json(*v) : json(nullptr);
}

json statsJson(const TurnStats &s)
{
    return {{"policy", s.policy},
            {"budget_ratio", optionalJson(s.budgetRatio)},
            {"budget_bytes", optionalJson(s.budgetBytes)},
            {"entries_before", s.entriesBefore},
            {"entries_after", s.entriesAfter},
            {"bytes_before", s.bytesBefore},
            {"bytes_after", s.bytesAfter},
            {"merged", s.merged},
            {"evicted", s.evicted},
            {"prefill_ms", s.prefillMs},
            {"compaction_ms", s.compactionMs},
            {"decode_tokens", s.decodeTokens},
            {"decode_ms", s.decodeMs},
            {"peak_memory_bytes", s.peakMemoryBytes},
            {"device", s.device}};
}

} // namespace

std::string formatBytes(std::int64_t bytes)
{
    char buf[32];
    if (bytes >= (1 << 30))
        std::snprintf(buf, sizeof buf, "%.2f GiB", double(bytes) / (1 << 30));
    else if (bytes >= (1 << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1 << 20));
    else
        std::snprintf(buf, sizeof buf, "%.1f KiB", double(bytes) / 1024);
    return buf;
}

std::string describeTurnStats(const TurnStats &s)
{
    char buf[512];
    double tokPerS = s.decodeMs > 0 ? 1000.0 * double(s.decodeTokens) / s.decodeMs : 0.0;
    std::snprintf(buf, sizeof buf,
                  "cache %s: %lld -> %lld entries (%s -> %s), merged %lld, evicted %lld; "
                  "prefill %.0f ms, compaction %.1f ms, %lld tokens in %.0f ms (%.1f tok/s); "
                  "peak %s on %s",
                  s.policy.c_str(), (long long)s.entriesBefore, (long long)s.entriesAfter,
                  formatBytes(s.bytesBefore).c_str(), formatBytes(s.bytesAfter).c_str(),
                  (long long)s.merged, (long long)s.evicted, s.prefillMs, s.compactionMs,
                  (long long)s.decodeTokens, s.decodeMs, tokPerS,
                  formatBytes(s.peakMemoryBytes).c_str(), s.device.c_str());
    return buf;
}

std::string slugify(const std::string &title)
{
    std::string out;
    for (unsigned char ch : title) {
        if (std::isalnum(ch))
            out += char(std::tolower(ch));
        else if (!out.empty() && out.back() != '-')
            out += '-';
        if (out.size() >= 60)
            break;
    }
    while (!out.empty() && out.back() == '-')
        out.pop_back();
    return out.empty() ? "conversation" : out;
}

void writeFileAtomically(const fs::path &path, std::string_view bytes)
{
    fs::path tmp = path;
    tmp += ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
        out.flush();
        if (!out)
            throw HistoryError("cannot write " + tmp.string());
    }
    fs::rename(tmp, path);
}

fs::path exportMarkdown(HistoryStore &store, std::int64_t id, const fs::path &dir)
{
    ConversationDetail detail = store.readConversation(id);
    const Conversation &c = detail.conversation;
    std::string name = slugify(c.title) + "-" + std::to_string(c.id);
    fs::create_directories(dir);
    std::string imageDir = name + "-images";

    std::ostringstream md;
    md << "# " << (c.title.empty() ? "Untitled conversation" : c.title) << "\n\n";
    md << "- Created: " << isoTime(c.createdAt) << "\n";
    md << "- Updated: " << isoTime(c.updatedAt) << "\n";
    if (!c.modelPath.empty())
        md << "- Model: `" << c.modelPath << "`"
           << (c.modelFingerprint.empty() ? "" : " (" + c.modelFingerprint + ")") << "\n";
    if (!c.cache.policy.empty()) {
        md << "- Cache policy: " << c.cache.policy;
        if (c.cache.budgetRatio)
            md << ", keep " << *c.cache.budgetRatio * 100 << " %";
        if (c.cache.budgetBytes)
            md << ", cap " << formatBytes(*c.cache.budgetBytes);
        md << "\n";
    }
    for (const Message &m : detail.messages) {
        const char *who = m.role == Role::User        ? "User"
                          : m.role == Role::Assistant ? "Assistant"
                                                      : "System";
        md << "\n## " << who << " (" << isoTime(m.createdAt) << ")\n\n";
        for (const Attachment &a : m.attachments) {
            std::string file = a.sha256 + extensionFor(a.mime);
            auto bytes = store.imageBytes(a.sha256);
            if (!bytes)
                continue;
            fs::create_directories(dir / imageDir);
            if (!fs::exists(dir / imageDir / file))
                writeFileAtomically(
                    dir / imageDir / file,
                    std::string_view(reinterpret_cast<const char *>(bytes->data()), bytes->size()));
            md << "![image " << a.width << "x" << a.height << "](" << imageDir << "/" << file
               << ")\n\n";
        }
        md << m.text << "\n";
        if (m.status != MessageStatus::Complete)
            md << "\n*(answer " << toString(m.status) << (m.error.empty() ? "" : ": " + m.error)
               << ")*\n";
        if (m.stats)
            md << "\n> " << describeTurnStats(*m.stats) << "\n";
    }
    fs::path file = dir / (name + ".md");
    writeFileAtomically(file, md.str());
    return file;
}

std::string exportJson(HistoryStore &store, std::int64_t id)
{
    ConversationDetail detail = store.readConversation(id);
    const Conversation &c = detail.conversation;
    json images = json::object();
    json messages = json::array();
    for (const Message &m : detail.messages) {
        json attachments = json::array();
        for (const Attachment &a : m.attachments) {
            attachments.push_back(
                {{"sha256", a.sha256}, {"mime", a.mime}, {"width", a.width}, {"height", a.height}});
            if (!images.contains(a.sha256)) {
                auto bytes = store.imageBytes(a.sha256);
                images[a.sha256] = bytes ? base64Encode(*bytes) : std::string();
            }
        }
        json message = {{"role", toString(m.role)},
                        {"text", m.text},
                        {"created_at_ms", m.createdAt},
                        {"updated_at_ms", m.updatedAt},
                        {"status", toString(m.status)},
                        {"error", m.error},
                        {"prompt_tokens", optionalJson(m.promptTokens)},
                        {"completion_tokens", optionalJson(m.completionTokens)},
                        {"attachments", attachments}};
        if (m.stats)
            message["cache_stats"] = statsJson(*m.stats);
        messages.push_back(std::move(message));
    }
    json settings = json::parse(c.settingsJson, nullptr, false);
    if (settings.is_discarded())
        settings = c.settingsJson; // keep it as text rather than drop it
    json doc = {{"format", kExportFormat},
                {"version", kExportVersion},
                {"conversation",
                 {{"title", c.title},
                  {"created_at_ms", c.createdAt},
                  {"updated_at_ms", c.updatedAt},
                  {"model", {{"path", c.modelPath}, {"fingerprint", c.modelFingerprint}}},
                  {"cache",
                   {{"policy", c.cache.policy},
                    {"budget_ratio", optionalJson(c.cache.budgetRatio)},
                    {"budget_bytes", optionalJson(c.cache.budgetBytes)}}},
                  {"settings", settings}}},
                {"messages", messages},
                {"images", images}};
    // Replace, not throw, on invalid UTF-8: an answer cut mid-character must still export.
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

} // namespace ec::history
