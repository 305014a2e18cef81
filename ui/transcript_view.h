// The conversation as a scrolling column of messages; follows the streamed answer while the
// user is at the bottom, and leaves them alone when they scrolled up to read.
#pragma once

#include "app/chat/chat_types.h"

#include <QScrollArea>

class QVBoxLayout;
class QLabel;
class QPushButton;

namespace ec::ui {

class MessageWidget;

class TranscriptView : public QScrollArea
{
    Q_OBJECT

public:
    explicit TranscriptView(QWidget *parent = nullptr);

    void setMessages(const QList<app::MessageView> &messages);
    void addMessage(const app::MessageView &message);
    void appendDelta(qint64 messageId, const QString &delta);
    void finishMessage(const app::MessageView &message);
    void setEmptyText(const QString &html);
    // Shows "Try it with a sample image" in the empty state.
    void setSampleOffered(bool offered);

    QList<MessageWidget *> messageWidgets() const;
    MessageWidget *message(qint64 id) const;

Q_SIGNALS:
    void regenerateRequested();
    void editRequested();
    void sampleRequested();

private:
    void updateLastMarkers();
    void setEmptyState(bool empty);

    QWidget *m_content = nullptr;
    QVBoxLayout *m_layout = nullptr;
    QLabel *m_empty = nullptr;
    QPushButton *m_sample = nullptr;
    bool m_sampleOffered = false;
    bool m_follow = true;
};

} // namespace ec::ui
