#include "ui/transcript_view.h"

#include "ui/message_widget.h"

#include <QLabel>
#include <QPushButton>
#include <QScrollBar>
#include <QTimer>
#include <QVBoxLayout>

namespace ec::ui {

TranscriptView::TranscriptView(QWidget *parent)
    : QScrollArea(parent)
{
    setObjectName(QStringLiteral("transcript"));
    setAccessibleName(tr("Conversation transcript"));
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_content = new QWidget;
    m_content->setObjectName(QStringLiteral("transcriptContent"));
    m_content->setStyleSheet(QStringLiteral("#transcriptContent { background: #f6f8fa; }"));
    m_layout = new QVBoxLayout(m_content);
    m_layout->setContentsMargins(16, 16, 16, 16);
    m_layout->setSpacing(10);
    m_empty = new QLabel(m_content);
    m_empty->setObjectName(QStringLiteral("welcomeLabel"));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setTextFormat(Qt::RichText);
    m_empty->setStyleSheet(QStringLiteral("color: #586069; font-size: 11pt;"));
    m_layout->addStretch();
    m_layout->addWidget(m_empty);
    m_sample = new QPushButton(tr("Try it with a sample image"), m_content);
    m_sample->setObjectName(QStringLiteral("sampleButton"));
    m_sample->setAccessibleName(tr("Attach a sample image and a suggested question"));
    m_sample->setVisible(false);
    connect(m_sample, &QPushButton::clicked, this, &TranscriptView::sampleRequested);
    m_layout->addWidget(m_sample, 0, Qt::AlignHCenter);
    m_layout->addStretch();
    setWidget(m_content);
    setEmptyText(tr("<h2>Elastic Chat</h2><p>Drop an image here or paste one, then ask about "
                    "it.</p>"));
    // Follow the bottom unless the user scrolled away from it.
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this,
            [this](int value) { m_follow = value >= verticalScrollBar()->maximum() - 24; });
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
        if (m_follow)
            verticalScrollBar()->setValue(max);
    });
}

void TranscriptView::setEmptyText(const QString &html)
{
    m_empty->setText(html);
}

QList<MessageWidget *> TranscriptView::messageWidgets() const
{
    return m_content->findChildren<MessageWidget *>(QString(), Qt::FindDirectChildrenOnly);
}

MessageWidget *TranscriptView::message(qint64 id) const
{
    for (MessageWidget *w : messageWidgets()) {
        if (w->messageId() == id)
            return w;
    }
    return nullptr;
}

void TranscriptView::setMessages(const QList<app::MessageView> &messages)
{
    for (MessageWidget *w : messageWidgets()) {
        m_layout->removeWidget(w);
        delete w;
    }
    m_follow = true;
    for (const app::MessageView &m : messages)
        addMessage(m);
    setEmptyState(messages.isEmpty());
}

void TranscriptView::setEmptyState(bool empty)
{
    m_empty->setVisible(empty);
    m_sample->setVisible(empty && m_sampleOffered);
}

void TranscriptView::setSampleOffered(bool offered)
{
    m_sampleOffered = offered;
    setEmptyState(m_empty->isVisible());
}

void TranscriptView::addMessage(const app::MessageView &message)
{
    auto *widget = new MessageWidget(message, m_content);
    connect(widget, &MessageWidget::regenerateRequested, this,
            &TranscriptView::regenerateRequested);
    connect(widget, &MessageWidget::editRequested, this, &TranscriptView::editRequested);
    // Before the trailing stretch.
    m_layout->insertWidget(m_layout->count() - 1, widget);
    setEmptyState(false);
    m_follow = true;
    updateLastMarkers();
}

void TranscriptView::appendDelta(qint64 messageId, const QString &delta)
{
    if (MessageWidget *w = message(messageId))
        w->appendText(delta);
}

void TranscriptView::finishMessage(const app::MessageView &message)
{
    if (MessageWidget *w = this->message(message.id))
        w->finish(message);
    updateLastMarkers();
}

void TranscriptView::updateLastMarkers()
{
    QList<MessageWidget *> widgets = messageWidgets();
    int lastUser = -1;
    for (int i = 0; i < widgets.size(); ++i) {
        if (widgets[i]->role() == app::MessageRole::User)
            lastUser = i;
    }
    for (int i = 0; i < widgets.size(); ++i) {
        bool last =
            widgets[i]->role() == app::MessageRole::User ? i == lastUser : i == widgets.size() - 1;
        widgets[i]->setIsLast(last);
    }
}

} // namespace ec::ui
