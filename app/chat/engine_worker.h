// EngineWorker lives on its own QThread and owns the backend (the model and its Session). The
// GUI thread posts work with QMetaObject::invokeMethod and never waits; results come back as
// queued signals. Streamed text is batched to about 30 signals a second.
#pragma once

#include "app/chat/chat_backend.h"
#include "app/chat/chat_types.h"

#include <QElapsedTimer>
#include <QObject>
#include <atomic>
#include <memory>

namespace ec::app {

class EngineWorker : public QObject
{
    Q_OBJECT

public:
    explicit EngineWorker(std::unique_ptr<ChatBackend> backend);
    ~EngineWorker() override;

    // Thread-safe: the GUI thread sets it, the backend reads it before every token.
    void requestStop() { m_stop.store(true); }
    void clearStop() { m_stop.store(false); }

    // Run on the worker thread (posted by the controller).
    void load(const QString &dir, const ec::app::BackendLoadOptions &options);
    void setConversation(const std::vector<ec::app::BackendTurn> &history);
    void runTurn(qint64 turnId, const ec::app::BackendTurn &user,
                 const ec::cache::CacheChoice &cache, const ec::app::BackendSampling &sampling);

Q_SIGNALS:
    void loadProgress(int percent, const QString &stage);
    void loaded(const ec::app::ModelView &model);
    // `modelKept`: the previous model is still loaded (the folder was refused before loading).
    void loadFailed(const QString &message, bool modelKept);
    void textDelta(qint64 turnId, const QString &text);
    void turnFinished(qint64 turnId, const ec::app::BackendTurnResult &result);
    void turnFailed(qint64 turnId, const QString &message);

private:
    std::unique_ptr<ChatBackend> m_backend;
    std::atomic<bool> m_stop{false};
};

} // namespace ec::app

Q_DECLARE_METATYPE(ec::app::BackendTurnResult)
