#include "app/chat/history_truncate.h"

namespace ec::app {

int truncateConversation(history::HistoryStore &store, std::int64_t conversationId,
                         std::int64_t fromSeq)
{
    history::Database &db = store.database();
    history::Transaction tx(db);
    db.prepare("DELETE FROM messages WHERE conversation_id = ?1 AND seq >= ?2")
        .bind(1, conversationId)
        .bind(2, fromSeq)
        .run();
    int removed = db.changes();
    db.exec("DELETE FROM images WHERE NOT EXISTS "
            "(SELECT 1 FROM attachments WHERE image_sha256 = images.sha256)");
    tx.commit();
    return removed;
}

} // namespace ec::app
