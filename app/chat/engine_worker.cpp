#include "app/chat/engine_worker.h"

#include <exception>

namespace ec::app {

namespace {
// ~30 Hz: smooth to the eye, cheap for the GUI thread and the history writer.
constexpr qint64 kStreamIntervalMs = 33;
} // namespace

EngineWorker::EngineWorker(std::unique_ptr<ChatBackend> backend)
    : m_backend(std::move(backend))
{
}

EngineWorker::~EngineWorker() = default;

void EngineWorker::load(const QString &dir, const BackendLoadOptions &options)
{
    std::filesystem::path path = dir.toStdString();
    std::string problem = m_backend->validate(path);
    if (!problem.empty()) {
        Q_EMIT loadFailed(QString::fromStdString(problem), m_backend->isLoaded());
        return;
    }
    try {
        BackendModelInfo info =
            m_backend->load(path, options, [this](int percent, const std::string &stage) {
                Q_EMIT loadProgress(percent, QString::fromStdString(stage));
            });
        ModelView view;
        view.path = dir;
        view.name = QString::fromStdString(info.name);
        view.device = QString::fromStdString(info.device);
        view.dtype = QString::fromStdString(info.dtype);
        view.weights = QString::fromStdString(info.weights);
        view.weightBytes = info.weightBytes;
        view.bytesPerToken = info.bytesPerToken;
        view.maxContext = info.maxContext;
        view.tokensPerImage = info.tokensPerImage;
        Q_EMIT loaded(view);
    } catch (const std::exception &e) {
        Q_EMIT loadFailed(QString::fromUtf8(e.what()), m_backend->isLoaded());
    } catch (...) {
        Q_EMIT loadFailed(tr("The model could not be loaded (unknown error)."),
                          m_backend->isLoaded());
    }
}

void EngineWorker::setConversation(const std::vector<BackendTurn> &history)
{
    try {
        m_backend->setConversation(history);
    } catch (const std::exception &e) {
        Q_EMIT turnFailed(0, QString::fromUtf8(e.what()));
    }
}

void EngineWorker::runTurn(qint64 turnId, const BackendTurn &user, const cache::CacheChoice &cache,
                           const BackendSampling &sampling)
{
    std::string pending;
    QElapsedTimer sinceEmit;
    sinceEmit.start();
    auto flush = [&] {
        if (pending.empty())
            return;
        Q_EMIT textDelta(turnId, QString::fromStdString(pending));
        pending.clear();
        sinceEmit.restart();
    };
    try {
        BackendTurnResult result = m_backend->generate(
            user, cache, sampling,
            [&](const std::string &delta) {
                pending += delta;
                if (sinceEmit.elapsed() >= kStreamIntervalMs)
                    flush();
            },
            m_stop);
        flush();
        Q_EMIT turnFinished(turnId, result);
    } catch (const std::exception &e) {
        flush();
        Q_EMIT turnFailed(turnId, QString::fromUtf8(e.what()));
    } catch (...) {
        flush();
        Q_EMIT turnFailed(turnId, tr("The engine failed (unknown error)."));
    }
}

} // namespace ec::app
