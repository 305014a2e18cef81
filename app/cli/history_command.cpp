// elastic-cli history: list, show, search, export, import, delete and statistics of the
// conversation history (the same SQLite file the desktop app uses).
#include "app/cli/commands.h"
#include "app/history/conversation_export.h"
#include "app/history/history_store.h"
#include "app/paths.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

namespace ec::cli {

namespace fs = std::filesystem;
using namespace ec::history;

namespace {

struct HistoryOptions
{
    std::string db; // empty: <data directory>/history.db
    int limit = 50;
    int offset = 0;
    std::int64_t id = 0;
    std::string format = "md";
    std::string out = ".";
    std::string file;
    std::vector<std::string> words;
};

std::unique_ptr<HistoryStore> openStore(const HistoryOptions &o)
{
    fs::path path = o.db.empty() ? app::dataDirectory() / kHistoryFileName : fs::path(o.db);
    auto store = std::make_unique<HistoryStore>(path);
    if (!store->recoveryNotice().empty())
        std::cerr << "elastic-cli: " << store->recoveryNotice() << "\n";
    if (store->migration().fromVersion != store->migration().toVersion &&
        !store->migration().backup.empty())
        std::cerr << "elastic-cli: upgraded the history from schema version "
                  << store->migration().fromVersion << " to " << store->migration().toVersion
                  << "; the previous file was saved as " << store->migration().backup.string()
                  << "\n";
    if (store->recoveredAnswers() > 0)
        std::cerr << "elastic-cli: " << store->recoveredAnswers()
                  << " answer(s) interrupted by a crash were kept and marked incomplete\n";
    return store;
}

std::string timeText(std::int64_t ms)
{
    std::time_t t = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

// Titles may hold newlines or NULs; keep one line per conversation in listings.
std::string oneLine(const std::string &text, std::size_t max = 70)
{
    std::string out;
    for (char ch : text) {
        if (out.size() >= max) {
            out += "...";
            break;
        }
        out += (ch == '\n' || ch == '\r' || ch == '\t' || ch == '\0') ? ' ' : ch;
    }
    return out;
}

void printSummaries(const std::vector<ConversationSummary> &list, bool withSnippet)
{
    for (const auto &s : list) {
        std::printf("%6lld  %s  %4lld msgs  %s\n", (long long)s.id, timeText(s.updatedAt).c_str(),
                    (long long)s.messageCount, oneLine(s.title).c_str());
        if (withSnippet && !s.snippet.empty())
            std::printf("        %s\n", oneLine(s.snippet, 100).c_str());
    }
}

void runList(const HistoryOptions &o)
{
    auto store = openStore(o);
    auto list = store->listConversations(o.limit, o.offset);
    std::int64_t total = store->conversationCount();
    printSummaries(list, false);
    std::printf("(%zu of %lld conversations, from %d)\n", list.size(), (long long)total, o.offset);
}

void runSearch(const HistoryOptions &o)
{
    auto store = openStore(o);
    std::string query;
    for (const auto &w : o.words)
        query += (query.empty() ? "" : " ") + w;
    auto list = store->search(query, o.limit);
    printSummaries(list, true);
    std::printf("(%zu found)\n", list.size());
}

void runShow(const HistoryOptions &o)
{
    auto store = openStore(o);
    ConversationDetail d = store->readConversation(o.id);
    const Conversation &c = d.conversation;
    std::cout << "# " << c.title << "\n"
              << "id " << c.id << ", created " << timeText(c.createdAt) << ", updated "
              << timeText(c.updatedAt) << " (UTC)\n";
    if (!c.modelPath.empty())
        std::cout << "model: " << c.modelPath << " " << c.modelFingerprint << "\n";
    if (!c.cache.policy.empty())
        std::cout << "cache: " << c.cache.policy << "\n";
    for (const Message &m : d.messages) {
        std::cout << "\n[" << m.seq << "] " << toString(m.role);
        if (m.status != MessageStatus::Complete)
            std::cout << " (" << toString(m.status) << (m.error.empty() ? "" : ": " + m.error)
                      << ")";
        std::cout << "  " << timeText(m.createdAt) << "\n";
        for (const Attachment &a : m.attachments)
            std::cout << "  [image " << a.width << "x" << a.height << " " << a.mime << " "
                      << formatBytes(a.size) << " " << a.sha256.substr(0, 12) << "]\n";
        std::cout << m.text << "\n";
        if (m.stats)
            std::cout << "  " << describeTurnStats(*m.stats) << "\n";
    }
}

void runExport(const HistoryOptions &o)
{
    auto store = openStore(o);
    if (o.format == "md") {
        fs::path file = exportMarkdown(*store, o.id, o.out);
        std::cout << "wrote " << file.string() << "\n";
        return;
    }
    std::string json = exportJson(*store, o.id);
    fs::path out = o.out;
    if (fs::is_directory(out)) {
        auto c = store->conversation(o.id);
        out /= slugify(c ? c->title : "") + "-" + std::to_string(o.id) + ".json";
    }
    writeFileAtomically(out, json);
    std::cout << "wrote " << out.string() << "\n";
}

void runImport(const HistoryOptions &o)
{
    std::ifstream in(o.file, std::ios::binary);
    if (!in)
        throw HistoryError("cannot read " + o.file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    auto store = openStore(o);
    std::int64_t id = importJson(*store, buffer.str());
    std::cout << "imported as conversation " << id << "\n";
}

void runDelete(const HistoryOptions &o)
{
    auto store = openStore(o);
    if (!store->deleteConversation(o.id))
        throw HistoryError("no conversation with id " + std::to_string(o.id));
    std::cout << "deleted conversation " << o.id << "\n";
}

void printTurnTable(HistoryStore &store, std::int64_t id)
{
    ConversationDetail d = store.readConversation(id);
    std::printf("conversation %lld: %s\n", (long long)id, oneLine(d.conversation.title).c_str());
    std::printf("%5s %-10s %15s %21s %7s %7s %9s %9s %6s %7s %10s  %s\n", "turn", "policy",
                "entries", "bytes", "merged", "evicted", "prefill", "compact", "tokens", "tok/s",
                "peak", "device");
    for (const Message &m : d.messages) {
        if (!m.stats)
            continue;
        const TurnStats &s = *m.stats;
        std::string entries =
            std::to_string(s.entriesBefore) + "->" + std::to_string(s.entriesAfter);
        std::string bytes = formatBytes(s.bytesBefore) + "->" + formatBytes(s.bytesAfter);
        double tps = s.decodeMs > 0 ? 1000.0 * double(s.decodeTokens) / s.decodeMs : 0.0;
        std::printf("%5lld %-10s %15s %21s %7lld %7lld %7.0fms %7.1fms %6lld %7.1f %10s  %s\n",
                    (long long)m.seq, oneLine(s.policy, 10).c_str(), entries.c_str(), bytes.c_str(),
                    (long long)s.merged, (long long)s.evicted, s.prefillMs, s.compactionMs,
                    (long long)s.decodeTokens, tps, formatBytes(s.peakMemoryBytes).c_str(),
                    s.device.c_str());
    }
    ConversationStats t = store.conversationStats(id);
    std::printf("total: %lld messages, %lld images, %lld turns with statistics, %lld tokens in "
                "%.0f ms, prefill %.0f ms, compaction %.1f ms, merged %lld, evicted %lld, "
                "peak %s\n",
                (long long)t.messages, (long long)t.images, (long long)t.turns,
                (long long)t.decodeTokens, t.decodeMs, t.prefillMs, t.compactionMs,
                (long long)t.merged, (long long)t.evicted, formatBytes(t.peakMemoryBytes).c_str());
}

void runStats(const HistoryOptions &o)
{
    auto store = openStore(o);
    if (o.id > 0) {
        printTurnTable(*store, o.id);
        return;
    }
    StoreStats s = store->storeStats();
    std::printf("history:       %s\n"
                "schema:        version %d\n"
                "conversations: %lld\n"
                "messages:      %lld\n"
                "images:        %lld (%s)\n"
                "file size:     %s\n",
                store->path().c_str(), s.schemaVersion, (long long)s.conversations,
                (long long)s.messages, (long long)s.images, formatBytes(s.imageBytes).c_str(),
                formatBytes(s.fileBytes).c_str());
}

} // namespace

void addHistoryCommand(CLI::App &app)
{
    auto opts = std::make_shared<HistoryOptions>();
    auto *history = app.add_subcommand("history", "Conversations kept in the history database");
    history->require_subcommand(1);
    history->add_option("--db", opts->db,
                        "History database file (default: "
                        "<data directory>/history.db)");
    history->fallthrough(); // --db may also follow the subcommand

    auto *list = history->add_subcommand("list", "List conversations, newest first");
    list->add_option("--limit", opts->limit, "How many")->capture_default_str();
    list->add_option("--offset", opts->offset, "Skip this many")->capture_default_str();
    list->callback([opts] { runList(*opts); });

    auto *search = history->add_subcommand("search", "Find conversations by words in the text");
    search->add_option("words", opts->words, "Words to find")->required();
    search->add_option("--limit", opts->limit, "How many")->capture_default_str();
    search->callback([opts] { runSearch(*opts); });

    auto *show = history->add_subcommand("show", "Print one conversation");
    show->add_option("id", opts->id, "Conversation id")->required();
    show->callback([opts] { runShow(*opts); });

    auto *exp = history->add_subcommand("export", "Export a conversation to Markdown or JSON");
    exp->add_option("id", opts->id, "Conversation id")->required();
    exp->add_option("--format", opts->format, "md (images as files beside it) or json")
        ->check(CLI::IsMember({"md", "json"}))
        ->capture_default_str();
    exp->add_option("--out", opts->out, "Output folder (or .json file)")->capture_default_str();
    exp->callback([opts] { runExport(*opts); });

    auto *imp = history->add_subcommand("import", "Import a conversation exported as JSON");
    imp->add_option("file", opts->file, "JSON file from `history export --format json`")
        ->required()
        ->check(CLI::ExistingFile);
    imp->callback([opts] { runImport(*opts); });

    auto *del = history->add_subcommand("delete", "Delete a conversation and its unused images");
    del->add_option("id", opts->id, "Conversation id")->required();
    del->callback([opts] { runDelete(*opts); });

    auto *stats = history->add_subcommand("stats", "Per-turn cache statistics of a conversation, "
                                                   "or totals of the whole history");
    stats->add_option("id", opts->id, "Conversation id (omit for totals)");
    stats->callback([opts] { runStats(*opts); });

}

} // namespace ec::cli
