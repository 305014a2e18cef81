// Every setting the desktop app keeps between runs, and the only code that knows their QSettings
// keys: the engine and sampling settings, the cache choice, the last model and conversation,
// the window's geometry. Cheap to construct: it reads and writes QSettings on each call.
#pragma once

#include "app/chat/chat_types.h"

#include <QByteArray>
#include <QString>

namespace ec::app {

class SettingsStore
{
public:
    ChatSettings chatSettings() const;
    void setChatSettings(const ChatSettings &settings);

    // The policy and budget for a new conversation (each conversation keeps its own).
    cache::CacheChoice cacheChoice() const;
    void setCacheChoice(const cache::CacheChoice &choice);

    QString lastModelPath() const;
    void setLastModelPath(const QString &path);
    qint64 lastConversation() const; // 0 = none
    void setLastConversation(qint64 id);

    QByteArray windowGeometry() const;
    QByteArray splitterState() const;
    void setWindowLayout(const QByteArray &geometry, const QByteArray &splitter);
};

} // namespace ec::app
