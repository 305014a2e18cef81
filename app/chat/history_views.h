// Conversions between the history store's plain records and the controller's Qt views and
// backend turns.
#pragma once

#include "app/chat/chat_backend.h"
#include "app/chat/chat_types.h"
#include "app/history/history_store.h"

namespace ec::app {

TurnMetrics toMetrics(const history::TurnStats &stats);
history::TurnStats toHistoryStats(const TurnCacheStats &stats);
AnswerStatus toAnswerStatus(history::MessageStatus status);
MessageView toView(const history::Message &message, history::HistoryStore &store);
ConversationRow toRow(const history::ConversationSummary &summary);

history::ImageInput toImageInput(const ImageAttachment &image);
BackendImage toBackendImage(const ImageAttachment &image);
// The finished turns the engine re-encodes when a conversation is reopened (failed and
// cancelled answers are left out: the model never saw them whole).
std::vector<BackendTurn> backendHistory(const history::ConversationDetail &detail,
                                        history::HistoryStore &store);

} // namespace ec::app
