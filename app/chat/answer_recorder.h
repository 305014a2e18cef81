// The answer that streams into the history: its row (written as it grows, AnswerWriter), the
// text so far, and how it ends (complete, cancelled, failed) with the turn's cache statistics.
#pragma once

#include "app/chat/chat_backend.h"
#include "app/chat/chat_types.h"

#include <memory>

namespace ec::history {
class HistoryStore;
class AnswerWriter;
} // namespace ec::history

namespace ec::app {

class AnswerRecorder
{
public:
    AnswerRecorder();
    // An answer still open is stored as cancelled, not left for recovery.
    ~AnswerRecorder();

    // Inserts the streaming answer of `conversationId`; throws when the store cannot.
    void begin(history::HistoryStore &store, qint64 conversationId);
    bool active() const { return m_writer != nullptr; }
    qint64 id() const;
    QString text() const;
    // The open answer as a view (status Streaming).
    MessageView view() const;

    void append(const QString &delta);
    // Stores it as complete or cancelled with the turn's statistics and returns its view. When
    // the store cannot save it, `saveError` says why (the view is still returned).
    MessageView finish(const BackendTurnResult &result, QString *saveError);
    // Stores it as failed with `message`.
    MessageView fail(const QString &message);

private:
    std::unique_ptr<history::AnswerWriter> m_writer;
};

} // namespace ec::app
