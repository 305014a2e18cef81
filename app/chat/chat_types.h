// What the chat controller hands the widgets: Qt value types, no engine or SQLite types.
#pragma once

#include "cache/cache_choice.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>
#include <optional>

namespace ec::app {

enum class MessageRole { System, User, Assistant };
enum class AnswerStatus { Streaming, Complete, Cancelled, Failed, Incomplete };

struct ImageAttachment
{
    QByteArray bytes; // encoded as stored (PNG, JPEG, ...)
    QString mime;
    int width = 0;
    int height = 0;
    QString sha256; // set once stored
    QString name;   // file name, for tool tips
};

// Per-turn cache statistics, as stored with the answer.
struct TurnMetrics
{
    QString policy;
    qint64 budgetBytes = 0;
    qint64 entriesBefore = 0;
    qint64 entriesAfter = 0;
    qint64 bytesBefore = 0;
    qint64 bytesAfter = 0;
    qint64 merged = 0;
    qint64 evicted = 0;
    double prefillMs = 0;
    double compactionMs = 0;
    qint64 decodeTokens = 0;
    double decodeMs = 0;
    qint64 peakMemoryBytes = 0;
    QString device;

    double tokensPerSecond() const { return decodeMs > 0 ? decodeTokens * 1000.0 / decodeMs : 0; }
};

struct MessageView
{
    qint64 id = 0;
    MessageRole role = MessageRole::User;
    QString text;
    AnswerStatus status = AnswerStatus::Complete;
    QString error;
    QList<ImageAttachment> images;
    std::optional<TurnMetrics> metrics;
};

struct ConversationRow
{
    qint64 id = 0;
    QString title;
    qint64 updatedAt = 0;
    qint64 messageCount = 0;
    QString snippet;
};

struct ModelView
{
    QString path;
    QString name;
    QString device;
    QString dtype;
    QString weights;
    qint64 weightBytes = 0;
    qint64 bytesPerToken = 0;
    qint64 maxContext = 0;
    qint64 tokensPerImage = 0;
};

// What the cache panel shows before a turn: the budget and what the conversation would hold.
struct CacheView
{
    cache::CacheChoice choice; // the policy and the slider's cap
    qint64 bytesPerToken = 0; // 0 until a model is loaded
    qint64 maxBytes = 0;      // the full cache at the model's context length
    qint64 fullBytes = 0;     // this conversation's cache without compaction
    qint64 heldBytes = 0;     // what it holds after its last turn
    qint64 heldEntries = 0;
};

struct ChatSettings
{
    QString device = QStringLiteral("auto");
    QString dtype = QStringLiteral("auto");
    QString weights = QStringLiteral("auto");
    int threads = 0;
    double temperature = 0.2;
    double topP = 0.9;
    int maxTokens = 512;
    QString systemPrompt;
    QString dataFolder;
};

QString policyTitle(cache::PolicyKind policy);

} // namespace ec::app

Q_DECLARE_METATYPE(ec::app::MessageView)
Q_DECLARE_METATYPE(ec::app::ModelView)
Q_DECLARE_METATYPE(ec::app::CacheView)
