// Streaming an assistant answer into its one row.
#include "app/history/durable_commit.h"
#include "app/history/history_store.h"

#include <utility>

namespace ec::history {

AnswerWriter HistoryStore::beginAnswer(std::int64_t conversationId)
{
    std::int64_t id;
    {
        Transaction tx(m_db);
        requireConversation(conversationId);
        Message message;
        message.role = Role::Assistant;
        message.status = MessageStatus::Streaming;
        message.createdAt = message.updatedAt = nowMs();
        id = insertMessage(conversationId, message);
        touchConversation(conversationId, message.createdAt);
        tx.commit();
    }
    return AnswerWriter(*this, id, m_options.streamFlushInterval);
}

void HistoryStore::flushAnswer(std::int64_t id, const std::string &text)
{
    // Only this row is rewritten; nothing else in the conversation changes while it streams.
    m_db.prepare("UPDATE messages SET text = ?1, updated_at = ?2 "
                 "WHERE id = ?3 AND status = 'streaming'")
        .bind(1, text)
        .bind(2, nowMs())
        .bind(3, id)
        .run();
}

void HistoryStore::finishAnswer(std::int64_t id, const std::string &text, const FinishInfo &info)
{
    MessageStatus status =
        info.status == MessageStatus::Streaming ? MessageStatus::Incomplete : info.status;
    std::int64_t now = nowMs();
    DurableCommit durable(m_db, m_options.durableCommits);
    Transaction tx(m_db);
    m_db.prepare("UPDATE messages SET text = ?1, updated_at = ?2, status = ?3, error = ?4, "
                 "prompt_tokens = coalesce(?5, prompt_tokens), "
                 "completion_tokens = coalesce(?6, completion_tokens) WHERE id = ?7")
        .bind(1, text)
        .bind(2, now)
        .bind(3, toString(status))
        .bind(4, info.error)
        .bind(5, info.promptTokens)
        .bind(6, info.completionTokens)
        .bind(7, id)
        .run();
    if (m_db.changes() == 0)
        throw HistoryError("the answer being written (message " + std::to_string(id) +
                           ") was deleted");
    if (info.stats)
        writeStats(id, *info.stats);
    m_db.prepare("UPDATE conversations SET updated_at = max(updated_at, ?1) WHERE id = "
                 "(SELECT conversation_id FROM messages WHERE id = ?2)")
        .bind(1, now)
        .bind(2, id)
        .run();
    tx.commit();
}

AnswerWriter::AnswerWriter(HistoryStore &store, std::int64_t id, std::chrono::milliseconds interval)
    : m_store(&store)
    , m_id(id)
    , m_interval(interval)
    , m_lastFlush(std::chrono::steady_clock::now())
{
}

AnswerWriter::AnswerWriter(AnswerWriter &&other) noexcept
    : m_store(std::exchange(other.m_store, nullptr))
    , m_id(other.m_id)
    , m_interval(other.m_interval)
    , m_lastFlush(other.m_lastFlush)
    , m_text(std::move(other.m_text))
    , m_dirty(other.m_dirty)
    , m_finished(std::exchange(other.m_finished, true))
    , m_flushes(other.m_flushes)
{
}

AnswerWriter::~AnswerWriter()
{
    if (!m_store || m_finished)
        return;
    try {
        FinishInfo info;
        info.status = MessageStatus::Incomplete;
        finish(info);
    } catch (...) {
        // The row stays 'streaming'; the next store that opens alone marks it incomplete.
    }
}

void AnswerWriter::append(std::string_view delta)
{
    if (m_finished)
        throw HistoryError("append to an answer that is already finished");
    m_text.append(delta);
    m_dirty = true;
    if (std::chrono::steady_clock::now() - m_lastFlush >= m_interval)
        flush();
}

void AnswerWriter::flush()
{
    if (!m_dirty || m_finished)
        return;
    m_store->flushAnswer(m_id, m_text);
    m_dirty = false;
    m_lastFlush = std::chrono::steady_clock::now();
    ++m_flushes;
}

void AnswerWriter::finish(const FinishInfo &info)
{
    if (m_finished)
        throw HistoryError("the answer is already finished");
    m_store->finishAnswer(m_id, m_text, info);
    m_finished = true;
    m_dirty = false;
}

} // namespace ec::history
