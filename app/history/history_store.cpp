// Writes: conversations, turns, images, statistics.
#include "app/history/history_store.h"

#include "app/history/durable_commit.h"
#include "app/history/sha256.h"

#include <map>

namespace ec::history {

std::int64_t HistoryStore::createConversation(const NewConversation &info)
{
    std::int64_t now = nowMs();
    DurableCommit durable(m_db, m_options.durableCommits);
    Transaction tx(m_db);
    m_db.prepare("INSERT INTO conversations (title, created_at, updated_at, model_path, "
                 "model_fingerprint, cache_policy, cache_budget_ratio, cache_budget_bytes, "
                 "settings) VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        .bind(1, info.title)
        .bind(2, now)
        .bind(3, info.modelPath)
        .bind(4, info.modelFingerprint)
        .bind(5, info.cache.policy)
        .bind(6, info.cache.budgetRatio)
        .bind(7, info.cache.budgetBytes)
        .bind(8, info.settingsJson.empty() ? std::string("{}") : info.settingsJson)
        .run();
    std::int64_t id = m_db.lastInsertId();
    tx.commit();
    return id;
}

void HistoryStore::renameConversation(std::int64_t id, const std::string &title)
{
    Transaction tx(m_db);
    m_db.prepare("UPDATE conversations SET title = ?1, updated_at = ?2 WHERE id = ?3")
        .bind(1, title)
        .bind(2, nowMs())
        .bind(3, id)
        .run();
    if (m_db.changes() == 0)
        throw HistoryError("no conversation with id " + std::to_string(id));
    tx.commit();
}

void HistoryStore::updateCacheSettings(std::int64_t id, const CacheSettings &cache)
{
    Transaction tx(m_db);
    m_db.prepare("UPDATE conversations SET cache_policy = ?1, cache_budget_ratio = ?2, "
                 "cache_budget_bytes = ?3 WHERE id = ?4")
        .bind(1, cache.policy)
        .bind(2, cache.budgetRatio)
        .bind(3, cache.budgetBytes)
        .bind(4, id)
        .run();
    if (m_db.changes() == 0)
        throw HistoryError("no conversation with id " + std::to_string(id));
    tx.commit();
}

bool HistoryStore::deleteConversation(std::int64_t id)
{
    {
        Transaction tx(m_db);
        std::vector<std::string> images;
        Statement used = m_db.prepare("SELECT DISTINCT a.image_sha256 FROM attachments a "
                                      "JOIN messages m ON m.id = a.message_id "
                                      "WHERE m.conversation_id = ?1");
        used.bind(1, id);
        while (used.step())
            images.push_back(used.text(0));
        // Messages, attachments and statistics go with it (ON DELETE CASCADE).
        m_db.prepare("DELETE FROM conversations WHERE id = ?1").bind(1, id).run();
        if (m_db.changes() == 0)
            return false;
        Statement orphan = m_db.prepare("DELETE FROM images WHERE sha256 = ?1 AND NOT EXISTS "
                                        "(SELECT 1 FROM attachments WHERE image_sha256 = ?1)");
        for (const std::string &sha : images) {
            orphan.bind(1, sha).run();
            orphan.reset();
        }
        tx.commit();
    }
    // Give the freed pages back to the file system (a no-op without auto_vacuum).
    m_db.exec("PRAGMA incremental_vacuum");
    return true;
}

void HistoryStore::requireConversation(std::int64_t id)
{
    Statement st = m_db.prepare("SELECT 1 FROM conversations WHERE id = ?1");
    if (!st.bind(1, id).step())
        throw HistoryError("no conversation with id " + std::to_string(id));
}

std::int64_t HistoryStore::nextSeq(std::int64_t conversationId)
{
    Statement st =
        m_db.prepare("SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE conversation_id = ?1");
    st.bind(1, conversationId).step();
    return st.int64(0);
}

void HistoryStore::touchConversation(std::int64_t id, std::int64_t when)
{
    m_db.prepare("UPDATE conversations SET updated_at = max(updated_at, ?1) WHERE id = ?2")
        .bind(1, when)
        .bind(2, id)
        .run();
}

void HistoryStore::storeImage(const ImageInput &image, const std::string &sha256)
{
    // Content-addressed: the same picture attached twice is stored once.
    m_db.prepare("INSERT OR IGNORE INTO images (sha256, mime, width, height, size, bytes) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind(1, sha256)
        .bind(2, image.mime)
        .bind(3, image.width)
        .bind(4, image.height)
        .bind(5, std::int64_t(image.bytes.size()))
        .bindBlob(6, image.bytes.data(), image.bytes.size())
        .run();
}

std::int64_t HistoryStore::insertMessage(std::int64_t conversationId, const Message &message)
{
    m_db.prepare("INSERT INTO messages (conversation_id, seq, role, text, created_at, updated_at, "
                 "prompt_tokens, completion_tokens, status, error) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
        .bind(1, conversationId)
        .bind(2, nextSeq(conversationId))
        .bind(3, toString(message.role))
        .bind(4, message.text)
        .bind(5, message.createdAt)
        .bind(6, message.updatedAt)
        .bind(7, message.promptTokens)
        .bind(8, message.completionTokens)
        .bind(9, toString(message.status))
        .bind(10, message.error)
        .run();
    return m_db.lastInsertId();
}

std::int64_t HistoryStore::appendUserTurn(std::int64_t conversationId, std::string_view text,
                                          const std::vector<ImageInput> &images,
                                          std::optional<std::int64_t> promptTokens)
{
    // Hash before taking the write lock: other writers need not wait for it.
    std::vector<std::string> hashes;
    for (const ImageInput &image : images)
        hashes.push_back(sha256Hex(image.bytes.data(), image.bytes.size()));

    DurableCommit durable(m_db, m_options.durableCommits);
    Transaction tx(m_db);
    requireConversation(conversationId);
    Message message;
    message.role = Role::User;
    message.text = std::string(text);
    message.createdAt = message.updatedAt = nowMs();
    message.promptTokens = promptTokens;
    std::int64_t id = insertMessage(conversationId, message);
    Statement attach = m_db.prepare(
        "INSERT INTO attachments (message_id, position, image_sha256) VALUES (?1, ?2, ?3)");
    for (std::size_t i = 0; i < images.size(); ++i) {
        storeImage(images[i], hashes[i]);
        attach.bind(1, id).bind(2, std::int64_t(i)).bind(3, hashes[i]).run();
        attach.reset();
    }
    touchConversation(conversationId, message.createdAt);
    tx.commit();
    return id;
}

std::int64_t HistoryStore::appendSystemMessage(std::int64_t conversationId, std::string_view text)
{
    DurableCommit durable(m_db, m_options.durableCommits);
    Transaction tx(m_db);
    requireConversation(conversationId);
    Message message;
    message.role = Role::System;
    message.text = std::string(text);
    message.createdAt = message.updatedAt = nowMs();
    std::int64_t id = insertMessage(conversationId, message);
    touchConversation(conversationId, message.createdAt);
    tx.commit();
    return id;
}

void HistoryStore::writeStats(std::int64_t messageId, const TurnStats &s)
{
    m_db.prepare("INSERT OR REPLACE INTO turn_stats (message_id, policy, budget_ratio, "
                 "budget_bytes, entries_before, entries_after, bytes_before, bytes_after, merged, "
                 "evicted, prefill_ms, compaction_ms, decode_tokens, decode_ms, "
                 "peak_memory_bytes, device) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)")
        .bind(1, messageId)
        .bind(2, s.policy)
        .bind(3, s.budgetRatio)
        .bind(4, s.budgetBytes)
        .bind(5, s.entriesBefore)
        .bind(6, s.entriesAfter)
        .bind(7, s.bytesBefore)
        .bind(8, s.bytesAfter)
        .bind(9, s.merged)
        .bind(10, s.evicted)
        .bind(11, s.prefillMs)
        .bind(12, s.compactionMs)
        .bind(13, s.decodeTokens)
        .bind(14, s.decodeMs)
        .bind(15, s.peakMemoryBytes)
        .bind(16, s.device)
        .run();
}

std::int64_t HistoryStore::insertConversation(const ConversationDetail &detail,
                                              const std::vector<ImageInput> &images)
{
    std::map<std::string, const ImageInput *> bySha;
    for (const ImageInput &image : images)
        bySha[sha256Hex(image.bytes.data(), image.bytes.size())] = &image;

    const Conversation &c = detail.conversation;
    DurableCommit durable(m_db, m_options.durableCommits);
    Transaction tx(m_db);
    m_db.prepare("INSERT INTO conversations (title, created_at, updated_at, model_path, "
                 "model_fingerprint, cache_policy, cache_budget_ratio, cache_budget_bytes, "
                 "settings) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
        .bind(1, c.title)
        .bind(2, c.createdAt)
        .bind(3, c.updatedAt)
        .bind(4, c.modelPath)
        .bind(5, c.modelFingerprint)
        .bind(6, c.cache.policy)
        .bind(7, c.cache.budgetRatio)
        .bind(8, c.cache.budgetBytes)
        .bind(9, c.settingsJson.empty() ? std::string("{}") : c.settingsJson)
        .run();
    std::int64_t id = m_db.lastInsertId();
    Statement attach = m_db.prepare(
        "INSERT INTO attachments (message_id, position, image_sha256) VALUES (?1, ?2, ?3)");
    Statement known = m_db.prepare("SELECT 1 FROM images WHERE sha256 = ?1");
    for (const Message &original : detail.messages) {
        Message m = original;
        if (m.status == MessageStatus::Streaming)
            m.status = MessageStatus::Incomplete; // no writer will ever finish it
        std::int64_t messageId = insertMessage(id, m);
        for (std::size_t i = 0; i < m.attachments.size(); ++i) {
            const std::string &sha = m.attachments[i].sha256;
            auto it = bySha.find(sha);
            if (it != bySha.end()) {
                storeImage(*it->second, sha);
            } else {
                bool present = known.bind(1, sha).step();
                known.reset();
                if (!present)
                    throw HistoryError("image " + sha + " is attached but its bytes are missing");
            }
            attach.bind(1, messageId).bind(2, std::int64_t(i)).bind(3, sha).run();
            attach.reset();
        }
        if (m.stats)
            writeStats(messageId, *m.stats);
    }
    tx.commit();
    return id;
}

} // namespace ec::history
