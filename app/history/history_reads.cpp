// Reads: the conversation list, search, one conversation, statistics.
#include "app/history/history_store.h"

#include <algorithm>
#include <map>
#include <set>

namespace ec::history {

namespace fs = std::filesystem;

namespace {

const char *const kSummaryColumns =
    "c.id, c.title, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)";

ConversationSummary readSummary(const Statement &st)
{
    ConversationSummary s;
    s.id = st.int64(0);
    s.title = st.text(1);
    s.createdAt = st.int64(2);
    s.updatedAt = st.int64(3);
    s.messageCount = st.int64(4);
    return s;
}

// Each word becomes a quoted FTS5 string, so that user input is never parsed as FTS syntax;
// the last word matches as a prefix (search as you type).
std::string ftsQuery(const std::string &query)
{
    std::vector<std::string> words;
    std::string word;
    for (char ch : query + " ") {
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\0') {
            if (!word.empty())
                words.push_back(word);
            word.clear();
        } else {
            word += ch;
        }
    }
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        std::string quoted = "\"";
        for (char ch : words[i])
            quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        quoted += "\"";
        out += (i ? " " : "") + quoted + (i + 1 == words.size() ? "*" : "");
    }
    return out;
}

TurnStats readStats(const Statement &st, int first)
{
    TurnStats s;
    int c = first;
    s.policy = st.text(c++);
    s.budgetRatio = st.optReal(c++);
    s.budgetBytes = st.optInt64(c++);
    s.entriesBefore = st.int64(c++);
    s.entriesAfter = st.int64(c++);
    s.bytesBefore = st.int64(c++);
    s.bytesAfter = st.int64(c++);
    s.merged = st.int64(c++);
    s.evicted = st.int64(c++);
    s.prefillMs = st.real(c++);
    s.compactionMs = st.real(c++);
    s.decodeTokens = st.int64(c++);
    s.decodeMs = st.real(c++);
    s.peakMemoryBytes = st.int64(c++);
    s.device = st.text(c++);
    return s;
}

} // namespace

std::vector<ConversationSummary> HistoryStore::listConversations(int limit, int offset)
{
    Statement st = m_db.prepare(std::string("SELECT ") + kSummaryColumns +
                                " FROM conversations c ORDER BY c.updated_at DESC, c.id DESC "
                                "LIMIT ?1 OFFSET ?2");
    st.bind(1, limit).bind(2, std::max(offset, 0));
    std::vector<ConversationSummary> out;
    while (st.step())
        out.push_back(readSummary(st));
    return out;
}

std::int64_t HistoryStore::conversationCount()
{
    return m_db.queryInt("SELECT count(*) FROM conversations");
}

std::optional<Conversation> HistoryStore::conversation(std::int64_t id)
{
    Statement st = m_db.prepare("SELECT id, title, created_at, updated_at, model_path, "
                                "model_fingerprint, cache_policy, cache_budget_ratio, "
                                "cache_budget_bytes, settings FROM conversations WHERE id = ?1");
    if (!st.bind(1, id).step())
        return std::nullopt;
    Conversation c;
    c.id = st.int64(0);
    c.title = st.text(1);
    c.createdAt = st.int64(2);
    c.updatedAt = st.int64(3);
    c.modelPath = st.text(4);
    c.modelFingerprint = st.text(5);
    c.cache.policy = st.text(6);
    c.cache.budgetRatio = st.optReal(7);
    c.cache.budgetBytes = st.optInt64(8);
    c.settingsJson = st.text(9);
    return c;
}

std::vector<ConversationSummary> HistoryStore::search(const std::string &query, int limit)
{
    std::string match = ftsQuery(query);
    if (match.empty() || limit <= 0)
        return {};
    Transaction snapshot(m_db, Transaction::Kind::Read);
    std::map<std::int64_t, ConversationSummary> found;
    Statement titles = m_db.prepare(std::string("SELECT ") + kSummaryColumns +
                                    " FROM conversations_fts f JOIN conversations c "
                                    "ON c.id = f.rowid WHERE conversations_fts MATCH ?1 "
                                    "ORDER BY c.updated_at DESC, c.id DESC LIMIT ?2");
    titles.bind(1, match).bind(2, limit);
    while (titles.step()) {
        ConversationSummary s = readSummary(titles);
        s.snippet = s.title;
        found.emplace(s.id, s);
    }
    // One hit per conversation first; snippet() is costly, so only the page gets one.
    Statement texts = m_db.prepare(
        std::string("WITH hits AS (SELECT m.conversation_id AS cid, max(f.rowid) AS mid "
                    "FROM messages_fts f JOIN messages m ON m.id = f.rowid "
                    "WHERE messages_fts MATCH ?1 GROUP BY m.conversation_id) SELECT ") +
        kSummaryColumns +
        ", hits.mid FROM hits JOIN conversations c ON c.id = hits.cid "
        "ORDER BY c.updated_at DESC, c.id DESC LIMIT ?2");
    texts.bind(1, match).bind(2, limit);
    std::vector<std::pair<std::int64_t, std::int64_t>> needSnippet; // conversation, message
    while (texts.step()) {
        ConversationSummary s = readSummary(texts);
        auto it = found.find(s.id);
        if (it == found.end())
            found.emplace(s.id, s);
        needSnippet.emplace_back(s.id, texts.int64(5)); // the text match says more than a title
    }
    Statement snippet =
        m_db.prepare("SELECT snippet(messages_fts, 0, '[', ']', '...', 12) "
                     "FROM messages_fts WHERE messages_fts MATCH ?1 AND rowid = ?2");
    for (const auto &[conversationId, messageId] : needSnippet) {
        if (snippet.bind(1, match).bind(2, messageId).step())
            found[conversationId].snippet = snippet.text(0);
        snippet.reset();
    }
    snapshot.commit();
    std::vector<ConversationSummary> out;
    for (auto &entry : found)
        out.push_back(std::move(entry.second));
    std::sort(out.begin(), out.end(), [](const auto &a, const auto &b) {
        return a.updatedAt != b.updatedAt ? a.updatedAt > b.updatedAt : a.id > b.id;
    });
    if (out.size() > std::size_t(limit))
        out.resize(std::size_t(limit));
    return out;
}

ConversationDetail HistoryStore::readConversation(std::int64_t id)
{
    // One snapshot: a writer committing meanwhile is seen entirely or not at all.
    Transaction snapshot(m_db, Transaction::Kind::Read);
    ConversationDetail detail;
    auto c = conversation(id);
    if (!c)
        throw HistoryError("no conversation with id " + std::to_string(id));
    detail.conversation = std::move(*c);

    std::map<std::int64_t, std::size_t> index;
    Statement messages = m_db.prepare(
        "SELECT id, seq, role, text, created_at, updated_at, prompt_tokens, completion_tokens, "
        "status, error FROM messages WHERE conversation_id = ?1 ORDER BY seq");
    messages.bind(1, id);
    while (messages.step()) {
        Message m;
        m.id = messages.int64(0);
        m.conversationId = id;
        m.seq = messages.int64(1);
        m.role = roleFromString(messages.text(2));
        m.text = messages.text(3);
        m.createdAt = messages.int64(4);
        m.updatedAt = messages.int64(5);
        m.promptTokens = messages.optInt64(6);
        m.completionTokens = messages.optInt64(7);
        m.status = statusFromString(messages.text(8));
        m.error = messages.text(9);
        index[m.id] = detail.messages.size();
        detail.messages.push_back(std::move(m));
    }

    Statement attachments = m_db.prepare(
        "SELECT a.message_id, i.sha256, i.mime, i.width, i.height, i.size FROM attachments a "
        "JOIN messages m ON m.id = a.message_id JOIN images i ON i.sha256 = a.image_sha256 "
        "WHERE m.conversation_id = ?1 ORDER BY a.message_id, a.position");
    attachments.bind(1, id);
    while (attachments.step()) {
        Attachment a;
        a.sha256 = attachments.text(1);
        a.mime = attachments.text(2);
        a.width = int(attachments.int64(3));
        a.height = int(attachments.int64(4));
        a.size = attachments.int64(5);
        detail.messages[index.at(attachments.int64(0))].attachments.push_back(std::move(a));
    }

    Statement stats = m_db.prepare(
        "SELECT s.message_id, s.policy, s.budget_ratio, s.budget_bytes, s.entries_before, "
        "s.entries_after, s.bytes_before, s.bytes_after, s.merged, s.evicted, s.prefill_ms, "
        "s.compaction_ms, s.decode_tokens, s.decode_ms, s.peak_memory_bytes, s.device "
        "FROM turn_stats s JOIN messages m ON m.id = s.message_id WHERE m.conversation_id = ?1");
    stats.bind(1, id);
    while (stats.step())
        detail.messages[index.at(stats.int64(0))].stats = readStats(stats, 1);
    snapshot.commit();
    return detail;
}

std::optional<std::vector<unsigned char>> HistoryStore::imageBytes(const std::string &sha256)
{
    Statement st = m_db.prepare("SELECT bytes FROM images WHERE sha256 = ?1");
    if (!st.bind(1, sha256).step())
        return std::nullopt;
    return st.blob(0);
}

ConversationStats HistoryStore::conversationStats(std::int64_t id)
{
    Transaction snapshot(m_db, Transaction::Kind::Read);
    requireConversation(id);
    ConversationStats out;
    {
        Statement totals = m_db.prepare(
            "SELECT count(*), coalesce(sum(s.decode_tokens), 0), coalesce(sum(s.decode_ms), 0), "
            "coalesce(sum(s.prefill_ms), 0), coalesce(sum(s.compaction_ms), 0), "
            "coalesce(sum(s.merged), 0), coalesce(sum(s.evicted), 0), "
            "coalesce(max(s.peak_memory_bytes), 0) "
            "FROM turn_stats s JOIN messages m ON m.id = s.message_id WHERE m.conversation_id = "
            "?1");
        totals.bind(1, id).step();
        out.turns = totals.int64(0);
        out.decodeTokens = totals.int64(1);
        out.decodeMs = totals.real(2);
        out.prefillMs = totals.real(3);
        out.compactionMs = totals.real(4);
        out.merged = totals.int64(5);
        out.evicted = totals.int64(6);
        out.peakMemoryBytes = totals.int64(7);
    }
    {
        Statement last = m_db.prepare(
            "SELECT s.entries_after, s.bytes_after FROM turn_stats s JOIN messages m "
            "ON m.id = s.message_id WHERE m.conversation_id = ?1 ORDER BY m.seq DESC LIMIT 1");
        if (last.bind(1, id).step()) {
            out.lastEntriesAfter = last.int64(0);
            out.lastBytesAfter = last.int64(1);
        }
    }
    {
        Statement counts = m_db.prepare(
            "SELECT (SELECT count(*) FROM messages WHERE conversation_id = ?1), "
            "(SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id "
            "WHERE m.conversation_id = ?1)");
        counts.bind(1, id).step();
        out.messages = counts.int64(0);
        out.images = counts.int64(1);
    }
    snapshot.commit();
    return out;
}

StoreStats HistoryStore::storeStats()
{
    Transaction snapshot(m_db, Transaction::Kind::Read);
    StoreStats out;
    {
        Statement st =
            m_db.prepare("SELECT (SELECT count(*) FROM conversations), "
                         "(SELECT count(*) FROM messages), (SELECT count(*) FROM images), "
                         "(SELECT coalesce(sum(size), 0) FROM images)");
        st.step();
        out.conversations = st.int64(0);
        out.messages = st.int64(1);
        out.images = st.int64(2);
        out.imageBytes = st.int64(3);
    }
    out.schemaVersion = int(m_db.queryInt("PRAGMA user_version"));
    snapshot.commit();
    std::error_code ec;
    for (const char *suffix : {"", "-wal"}) {
        fs::path file = m_path;
        file += suffix;
        auto size = fs::file_size(file, ec);
        if (!ec)
            out.fileBytes += std::int64_t(size);
    }
    return out;
}

} // namespace ec::history
