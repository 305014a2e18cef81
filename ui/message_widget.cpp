#include "ui/message_widget.h"

#include "app/chat/image_files.h"
#include "ui/format.h"
#include "ui/image_thumbnail.h"
#include "ui/markdown_view.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace ec::ui {

using app::AnswerStatus;
using app::MessageRole;

MessageWidget::MessageWidget(const app::MessageView &message, QWidget *parent)
    : QFrame(parent)
    , m_message(message)
{
    const bool user = message.role == MessageRole::User;
    setObjectName(user ? QStringLiteral("userMessage") : QStringLiteral("assistantMessage"));
    setProperty("messageId", message.id);
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(user ? QStringLiteral("#userMessage { background: #e8f0fe; border: 1px solid "
                                        "#c6d7f7; border-radius: 10px; }")
                       : QStringLiteral("#assistantMessage { background: #ffffff; border: 1px "
                                        "solid #e1e4e8; border-radius: 10px; }"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(6);

    auto *who = new QLabel(user ? tr("You") : tr("Assistant"), this);
    QFont bold = who->font();
    bold.setBold(true);
    who->setFont(bold);
    who->setStyleSheet(QStringLiteral("color: #555;"));
    layout->addWidget(who);

    if (user) {
        if (!message.images.isEmpty()) {
            auto *row = new QHBoxLayout;
            row->setSpacing(6);
            for (const app::ImageAttachment &image : message.images) {
                QImage decoded = app::decodeAttachment(image);
                if (!decoded.isNull())
                    row->addWidget(new ImageThumbnail(decoded, 112, this));
            }
            row->addStretch();
            layout->addLayout(row);
        }
        m_userText = new QLabel(message.text.toHtmlEscaped().replace('\n', "<br>"), this);
        m_userText->setObjectName(QStringLiteral("userText"));
        m_userText->setWordWrap(true);
        m_userText->setTextInteractionFlags(Qt::TextSelectableByMouse);
        m_userText->setVisible(!message.text.isEmpty());
        layout->addWidget(m_userText);
    } else {
        m_markdown = new MarkdownView(this);
        m_markdown->setObjectName(QStringLiteral("answerText"));
        m_markdown->setAccessibleName(tr("Answer"));
        m_markdown->setMarkdownText(message.text);
        layout->addWidget(m_markdown);
    }

    auto *bottom = new QHBoxLayout;
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("messageStatus"));
    bottom->addWidget(m_status);
    m_footer = new QLabel(this);
    m_footer->setObjectName(QStringLiteral("messageFooter"));
    m_footer->setStyleSheet(QStringLiteral("color: #6a737d;"));
    bottom->addWidget(m_footer, 1);
    m_action = new QPushButton(user ? tr("Edit") : tr("Regenerate"), this);
    m_action->setObjectName(user ? QStringLiteral("editButton")
                                 : QStringLiteral("regenerateButton"));
    m_action->setAccessibleName(user ? tr("Edit and resend this message")
                                     : tr("Regenerate this answer"));
    m_action->setFlat(true);
    m_action->setVisible(false);
    connect(m_action, &QPushButton::clicked, this,
            user ? &MessageWidget::editRequested : &MessageWidget::regenerateRequested);
    bottom->addWidget(m_action);
    m_copy = new QPushButton(tr("Copy"), this);
    m_copy->setObjectName(QStringLiteral("copyButton"));
    m_copy->setAccessibleName(tr("Copy message text"));
    m_copy->setFlat(true);
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_message.text); });
    bottom->addWidget(m_copy);
    layout->addLayout(bottom);
    updateFooter();
}

QString MessageWidget::statusText() const
{
    return m_status->text();
}

QString MessageWidget::footerText() const
{
    return m_footer->text();
}

void MessageWidget::appendText(const QString &delta)
{
    m_message.text += delta;
    if (m_markdown)
        m_markdown->setMarkdownText(m_message.text);
}

void MessageWidget::finish(const app::MessageView &message)
{
    m_message = message;
    if (m_markdown)
        m_markdown->setMarkdownText(message.text);
    updateFooter();
}

void MessageWidget::setIsLast(bool last)
{
    m_action->setVisible(last && m_message.status != AnswerStatus::Streaming);
}

void MessageWidget::updateFooter()
{
    QString status;
    QString color = QStringLiteral("#6a737d");
    switch (m_message.status) {
    case AnswerStatus::Streaming:
        status = tr("Generating…");
        break;
    case AnswerStatus::Complete:
        break;
    case AnswerStatus::Cancelled:
        status = tr("Cancelled");
        color = QStringLiteral("#b08800");
        break;
    case AnswerStatus::Failed:
        status = m_message.error.isEmpty() ? tr("Failed") : tr("Failed: %1").arg(m_message.error);
        color = QStringLiteral("#cb2431");
        break;
    case AnswerStatus::Incomplete:
        status = tr("Incomplete (the app stopped while answering)");
        color = QStringLiteral("#b08800");
        break;
    }
    m_status->setText(status);
    m_status->setStyleSheet(QStringLiteral("color: %1; font-weight: bold;").arg(color));
    m_status->setVisible(!status.isEmpty());
    m_copy->setEnabled(m_message.status != AnswerStatus::Streaming);

    QStringList parts;
    if (m_message.metrics) {
        const app::TurnMetrics &m = *m_message.metrics;
        // A rate needs at least two tokens: one token's time is mostly the prefill before it.
        if (m.decodeTokens == 1)
            parts << tr("1 token");
        else if (m.decodeTokens > 1)
            parts << tr("%1 tokens · %2 tok/s")
                         .arg(formatCount(m.decodeTokens))
                         .arg(m.tokensPerSecond(), 0, 'f', 1);
        parts << tr("cache %1 (%2 entries) after turn")
                     .arg(formatBytes(m.bytesAfter), formatCount(m.entriesAfter));
        if (m.merged > 0)
            parts << tr("%1 merged").arg(formatCount(m.merged));
        if (m.evicted > 0)
            parts << tr("%1 evicted").arg(formatCount(m.evicted));
    }
    m_footer->setText(parts.join(QStringLiteral("  ·  ")));
}

} // namespace ec::ui
