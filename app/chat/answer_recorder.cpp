#include "app/chat/answer_recorder.h"

#include "app/chat/history_views.h"
#include "app/history/history_store.h"

namespace ec::app {

AnswerRecorder::AnswerRecorder() = default;

AnswerRecorder::~AnswerRecorder()
{
    if (m_writer && !m_writer->finished()) {
        history::FinishInfo info;
        info.status = history::MessageStatus::Cancelled;
        try {
            m_writer->finish(info);
        } catch (const std::exception &) {
            // The writer's own destructor marks it incomplete; nothing is lost.
        }
    }
}

void AnswerRecorder::begin(history::HistoryStore &store, qint64 conversationId)
{
    m_writer = std::make_unique<history::AnswerWriter>(store.beginAnswer(conversationId));
}

qint64 AnswerRecorder::id() const
{
    return m_writer ? m_writer->messageId() : 0;
}

QString AnswerRecorder::text() const
{
    return m_writer ? QString::fromStdString(m_writer->text()) : QString();
}

MessageView AnswerRecorder::view() const
{
    MessageView v;
    v.id = id();
    v.role = MessageRole::Assistant;
    v.text = text();
    v.status = AnswerStatus::Streaming;
    return v;
}

void AnswerRecorder::append(const QString &delta)
{
    if (m_writer)
        m_writer->append(delta.toStdString());
}

MessageView AnswerRecorder::finish(const BackendTurnResult &result, QString *saveError)
{
    history::FinishInfo info;
    info.status =
        result.cancelled ? history::MessageStatus::Cancelled : history::MessageStatus::Complete;
    info.promptTokens = result.promptTokens;
    info.completionTokens = result.completionTokens;
    info.stats = toHistoryStats(result.stats);
    MessageView v = view();
    v.status = result.cancelled ? AnswerStatus::Cancelled : AnswerStatus::Complete;
    v.metrics = toMetrics(*info.stats);
    try {
        m_writer->finish(info);
    } catch (const std::exception &e) {
        if (saveError)
            *saveError = QString::fromUtf8(e.what());
    }
    m_writer.reset();
    return v;
}

MessageView AnswerRecorder::fail(const QString &message)
{
    history::FinishInfo info;
    info.status = history::MessageStatus::Failed;
    info.error = message.toStdString();
    MessageView v = view();
    v.status = AnswerStatus::Failed;
    v.error = message;
    try {
        m_writer->finish(info);
    } catch (const std::exception &) {
        // The failure itself is what the user is shown.
    }
    m_writer.reset();
    return v;
}

} // namespace ec::app
