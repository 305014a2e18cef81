// HistoryStore: conversations, messages, images and per-turn cache statistics in one SQLite file
// (WAL, foreign keys on). Not thread-safe by design: open one HistoryStore per thread; any number
// of stores, in any number of processes, may share the file.
#pragma once

#include "app/history/history_error.h"
#include "app/history/history_types.h"
#include "app/history/schema.h"
#include "app/history/sqlite_db.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ec::history {

// The file name inside the data directory (app/paths.h: dataDirectory()).
inline constexpr const char *kHistoryFileName = "history.db";

struct StoreOptions
{
    // How long a write waits for another writer before giving up (the user never sees BUSY).
    int busyTimeoutMs = 15000;
    // A streaming answer's row is rewritten at most this often.
    std::chrono::milliseconds streamFlushInterval{250};
    // Sync the WAL at every committed turn (synchronous=FULL). Off only for bulk loads (bench).
    bool durableCommits = true;
};

struct FinishInfo
{
    MessageStatus status = MessageStatus::Complete;
    std::string error; // for Failed
    std::optional<std::int64_t> promptTokens;
    std::optional<std::int64_t> completionTokens;
    std::optional<TurnStats> stats;
};

class HistoryStore;

// Writes one assistant answer as it streams: the row is inserted once (status streaming),
// updated at a bounded rate, and finished with its final status in one durable transaction.
// An answer dropped without finish() is flushed and marked incomplete, never lost.
class AnswerWriter
{
public:
    AnswerWriter(AnswerWriter &&other) noexcept;
    AnswerWriter &operator=(AnswerWriter &&) = delete;
    AnswerWriter(const AnswerWriter &) = delete;
    ~AnswerWriter();

    std::int64_t messageId() const { return m_id; }
    const std::string &text() const { return m_text; }
    int flushCount() const { return m_flushes; }
    bool finished() const { return m_finished; }

    void append(std::string_view delta);
    void flush();
    void finish(const FinishInfo &info = {});

private:
    friend class HistoryStore;
    AnswerWriter(HistoryStore &store, std::int64_t id, std::chrono::milliseconds interval);

    HistoryStore *m_store;
    std::int64_t m_id;
    std::chrono::milliseconds m_interval;
    std::chrono::steady_clock::time_point m_lastFlush;
    std::string m_text;
    bool m_dirty = false;
    bool m_finished = false;
    int m_flushes = 0;
};

class HistoryStore
{
public:
    // Opens, creates or upgrades the history at path. A file that is not a readable history is
    // renamed aside (never deleted) and a fresh store is started: recoveryNotice() says so.
    // Answers left streaming by a process that died are marked incomplete.
    explicit HistoryStore(const std::filesystem::path &path, StoreOptions options = {});
    ~HistoryStore();
    HistoryStore(const HistoryStore &) = delete;
    HistoryStore &operator=(const HistoryStore &) = delete;

    const std::filesystem::path &path() const { return m_path; }
    // Non-empty when the file at path was unreadable and was moved aside.
    const std::string &recoveryNotice() const { return m_notice; }
    const std::filesystem::path &quarantinedFile() const { return m_quarantined; }
    const MigrationReport &migration() const { return m_migration; }
    // Answers found streaming at open (their writer died) and marked incomplete.
    std::int64_t recoveredAnswers() const { return m_recovered; }

    // Conversations.
    std::int64_t createConversation(const NewConversation &info);
    std::vector<ConversationSummary> listConversations(int limit, int offset = 0);
    std::int64_t conversationCount();
    std::optional<Conversation> conversation(std::int64_t id);
    void renameConversation(std::int64_t id, const std::string &title);
    void updateCacheSettings(std::int64_t id, const CacheSettings &cache);
    // Deletes the conversation, its messages and statistics, and images no one else uses.
    bool deleteConversation(std::int64_t id);
    // Conversations whose title or finished messages contain every word of query (prefix match
    // on the last word), newest first.
    std::vector<ConversationSummary> search(const std::string &query, int limit = 50);

    // Turns.
    std::int64_t appendUserTurn(std::int64_t conversationId, std::string_view text,
                                const std::vector<ImageInput> &images = {},
                                std::optional<std::int64_t> promptTokens = {});
    std::int64_t appendSystemMessage(std::int64_t conversationId, std::string_view text);
    AnswerWriter beginAnswer(std::int64_t conversationId);

    // Reading back (one consistent snapshot).
    ConversationDetail readConversation(std::int64_t id);
    std::optional<std::vector<unsigned char>> imageBytes(const std::string &sha256);
    ConversationStats conversationStats(std::int64_t id);
    StoreStats storeStats();

    // Writes a whole conversation (from an import) as a new one; returns its id. Images are
    // looked up by the attachments' sha256 among `images` and those already stored.
    std::int64_t insertConversation(const ConversationDetail &detail,
                                    const std::vector<ImageInput> &images);

    // "ok" or SQLite's list of problems.
    std::string integrityCheck();
    Database &database() { return m_db; }

private:
    friend class AnswerWriter;
    void open();
    void quarantine(const std::string &reason);
    void takeLock();
    void recoverInterruptedAnswers();
    void requireConversation(std::int64_t id);
    std::int64_t nextSeq(std::int64_t conversationId);
    std::int64_t insertMessage(std::int64_t conversationId, const Message &message);
    void storeImage(const ImageInput &image, const std::string &sha256);
    void touchConversation(std::int64_t id, std::int64_t when);
    void writeStats(std::int64_t messageId, const TurnStats &stats);
    void flushAnswer(std::int64_t id, const std::string &text);
    void finishAnswer(std::int64_t id, const std::string &text, const FinishInfo &info);

    std::filesystem::path m_path;
    StoreOptions m_options;
    Database m_db;
    MigrationReport m_migration;
    std::string m_notice;
    std::filesystem::path m_quarantined;
    std::int64_t m_recovered = 0;
    int m_lockFd = -1;
    bool m_soleUser = false;
};

std::int64_t nowMs();

} // namespace ec::history
