#include "app/chat/history_views.h"

namespace ec::app {

TurnMetrics toMetrics(const history::TurnStats &s)
{
    TurnMetrics m;
    m.policy = QString::fromStdString(s.policy);
    m.budgetBytes = s.budgetBytes.value_or(0);
    m.entriesBefore = s.entriesBefore;
    m.entriesAfter = s.entriesAfter;
    m.bytesBefore = s.bytesBefore;
    m.bytesAfter = s.bytesAfter;
    m.merged = s.merged;
    m.evicted = s.evicted;
    m.prefillMs = s.prefillMs;
    m.compactionMs = s.compactionMs;
    m.decodeTokens = s.decodeTokens;
    m.decodeMs = s.decodeMs;
    m.peakMemoryBytes = s.peakMemoryBytes;
    m.device = QString::fromStdString(s.device);
    return m;
}

history::TurnStats toHistoryStats(const TurnCacheStats &t)
{
    history::TurnStats s;
    s.policy = t.policy;
    if (t.budgetBytes > 0)
        s.budgetBytes = t.budgetBytes;
    s.entriesBefore = t.entriesBefore;
    s.entriesAfter = t.entriesAfter;
    s.bytesBefore = t.bytesBefore;
    s.bytesAfter = t.bytesAfter;
    s.merged = t.merged;
    s.evicted = t.evicted;
    s.prefillMs = t.prefillMs;
    s.compactionMs = t.compactionMs;
    s.decodeTokens = t.decodeTokens;
    s.decodeMs = t.decodeMs;
    s.peakMemoryBytes = t.peakMemoryBytes;
    s.device = t.device;
    return s;
}

AnswerStatus toAnswerStatus(history::MessageStatus status)
{
    switch (status) {
    case history::MessageStatus::Streaming:
        return AnswerStatus::Streaming;
    case history::MessageStatus::Complete:
        return AnswerStatus::Complete;
    case history::MessageStatus::Cancelled:
        return AnswerStatus::Cancelled;
    case history::MessageStatus::Failed:
        return AnswerStatus::Failed;
    case history::MessageStatus::Incomplete:
        return AnswerStatus::Incomplete;
    }
    return AnswerStatus::Complete;
}

MessageView toView(const history::Message &message, history::HistoryStore &store)
{
    MessageView view;
    view.id = message.id;
    switch (message.role) {
    case history::Role::System:
        view.role = MessageRole::System;
        break;
    case history::Role::User:
        view.role = MessageRole::User;
        break;
    case history::Role::Assistant:
        view.role = MessageRole::Assistant;
        break;
    }
    view.text = QString::fromStdString(message.text);
    view.status = toAnswerStatus(message.status);
    view.error = QString::fromStdString(message.error);
    for (const history::Attachment &a : message.attachments) {
        ImageAttachment image;
        image.sha256 = QString::fromStdString(a.sha256);
        image.mime = QString::fromStdString(a.mime);
        image.width = a.width;
        image.height = a.height;
        if (auto bytes = store.imageBytes(a.sha256))
            image.bytes =
                QByteArray(reinterpret_cast<const char *>(bytes->data()), qsizetype(bytes->size()));
        view.images.append(image);
    }
    if (message.stats)
        view.metrics = toMetrics(*message.stats);
    return view;
}

ConversationRow toRow(const history::ConversationSummary &summary)
{
    ConversationRow row;
    row.id = summary.id;
    row.title = QString::fromStdString(summary.title);
    row.updatedAt = summary.updatedAt;
    row.messageCount = summary.messageCount;
    row.snippet = QString::fromStdString(summary.snippet);
    return row;
}

history::ImageInput toImageInput(const ImageAttachment &image)
{
    history::ImageInput in;
    in.bytes.assign(image.bytes.begin(), image.bytes.end());
    in.mime = image.mime.toStdString();
    in.width = image.width;
    in.height = image.height;
    return in;
}

BackendImage toBackendImage(const ImageAttachment &image)
{
    BackendImage out;
    out.bytes.assign(image.bytes.begin(), image.bytes.end());
    out.mime = image.mime.toStdString();
    out.width = image.width;
    out.height = image.height;
    return out;
}

std::vector<BackendTurn> backendHistory(const history::ConversationDetail &detail,
                                        history::HistoryStore &store)
{
    std::vector<BackendTurn> turns;
    for (const history::Message &m : detail.messages) {
        if (m.role == history::Role::Assistant && m.status != history::MessageStatus::Complete)
            continue;
        BackendTurn turn;
        turn.role = m.role == history::Role::Assistant ? TurnRole::Assistant
                    : m.role == history::Role::System  ? TurnRole::System
                                                       : TurnRole::User;
        turn.text = m.text;
        for (const history::Attachment &a : m.attachments) {
            BackendImage image;
            if (auto bytes = store.imageBytes(a.sha256))
                image.bytes = std::move(*bytes);
            image.mime = a.mime;
            image.width = a.width;
            image.height = a.height;
            turn.images.push_back(std::move(image));
        }
        turns.push_back(std::move(turn));
    }
    return turns;
}

} // namespace ec::app
