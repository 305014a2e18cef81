// One message in the transcript: a user turn (text and image thumbnails) or an assistant answer
// (Markdown, streamed in; a footer with tokens/s and the cache size after the turn; copy).
#pragma once

#include "app/chat/chat_types.h"

#include <QFrame>

class QLabel;
class QPushButton;
class QHBoxLayout;

namespace ec::ui {

class MarkdownView;

class MessageWidget : public QFrame
{
    Q_OBJECT

public:
    explicit MessageWidget(const app::MessageView &message, QWidget *parent = nullptr);

    qint64 messageId() const { return m_message.id; }
    app::MessageRole role() const { return m_message.role; }
    app::AnswerStatus status() const { return m_message.status; }
    QString text() const { return m_message.text; }
    QString footerText() const;
    QString statusText() const;

    void appendText(const QString &delta);
    void finish(const app::MessageView &message);
    // Regenerate on the last answer, Edit on the last user turn.
    void setIsLast(bool last);

Q_SIGNALS:
    void regenerateRequested();
    void editRequested();

private:
    void updateFooter();

    app::MessageView m_message;
    MarkdownView *m_markdown = nullptr;
    QLabel *m_userText = nullptr;
    QLabel *m_status = nullptr;
    QLabel *m_footer = nullptr;
    QPushButton *m_copy = nullptr;
    QPushButton *m_action = nullptr; // Regenerate or Edit
};

} // namespace ec::ui
