// Removing the tail of a conversation, for Regenerate and edit-and-resend of the last turn.
// The HistoryStore has no message deletion; this goes through its database in one transaction.
#pragma once

#include "app/history/history_store.h"

namespace ec::app {

// Deletes the conversation's messages with seq >= fromSeq (statistics and attachments go with
// them) and images no message uses any more. Returns the number of messages removed.
int truncateConversation(history::HistoryStore &store, std::int64_t conversationId,
                         std::int64_t fromSeq);

} // namespace ec::app
