// The conversations of the history store as the window sees them: listed and searched, read
// back as message views, renamed, deleted, exported and imported. Errors are thrown as
// std::exception whose message is ready to show.
#pragma once

#include "app/chat/chat_types.h"

#include <QList>
#include <QString>
#include <optional>

namespace ec::history {
class HistoryStore;
}

namespace ec::app {

class ConversationLibrary
{
public:
    explicit ConversationLibrary(history::HistoryStore &store);

    // Newest first; with a filter, the conversations whose title or messages contain its words.
    QList<ConversationRow> list(const QString &filter = {});
    // The conversation's messages (system prompts left out), images included.
    QList<MessageView> messages(qint64 id);
    // The per-turn cache statistics of its answers, in order (no image reads).
    QList<TurnMetrics> turnMetrics(qint64 id);
    // Its last user message, images included (the others' images are not read).
    std::optional<MessageView> lastUserMessage(qint64 id);
    // Whether its last message is an answer (no image reads).
    bool endsWithAnswer(qint64 id);

    // The title, simplified; false when nothing is left of it.
    bool rename(qint64 id, const QString &title);
    void remove(qint64 id);

    // The Markdown file written into `dir`.
    QString exportMarkdown(qint64 id, const QString &dir);
    void exportJson(qint64 id, const QString &file);
    // The id of the new conversation.
    qint64 importJson(const QString &file);

private:
    history::HistoryStore &m_store;
};

} // namespace ec::app
