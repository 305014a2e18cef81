#include "app/chat/chat_controller.h"

#include "app/chat/answer_recorder.h"
#include "app/chat/cache_view.h"
#include "app/chat/conversation_library.h"
#include "app/chat/engine_backend.h"
#include "app/chat/engine_worker.h"
#include "app/chat/history_truncate.h"
#include "app/chat/history_views.h"
#include "app/chat/settings_store.h"
#include "app/history/history_store.h"
#include "app/paths.h"

#include <QDir>
#include <algorithm>

namespace ec::app {

namespace {
QString titleFrom(const QString &text, bool hasImages)
{
    QString simplified = text.simplified();
    if (simplified.isEmpty())
        return hasImages ? QObject::tr("Image") : QObject::tr("New chat");
    if (simplified.size() > 48)
        simplified = simplified.left(47) + QChar(0x2026);
    return simplified;
}

} // namespace

template <typename Action> bool ChatController::reportErrors(Action &&action)
{
    try {
        action();
        return true;
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
}

ChatController::ChatController(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<MessageView>();
    qRegisterMetaType<ModelView>();
    qRegisterMetaType<CacheView>();
    qRegisterMetaType<BackendTurnResult>();
    SettingsStore saved;
    m_settings = saved.chatSettings();
    m_cache = saved.cacheChoice();
    if (m_options.dataFolder.isEmpty())
        m_options.dataFolder = m_settings.dataFolder.isEmpty()
                                   ? QString::fromStdString(dataDirectory().string())
                                   : m_settings.dataFolder;
    m_settings.dataFolder = m_options.dataFolder;
    QDir().mkpath(m_options.dataFolder);
    m_store = std::make_unique<history::HistoryStore>(historyPath().toStdString());
    m_library = std::make_unique<ConversationLibrary>(*m_store);

    std::unique_ptr<ChatBackend> backend =
        m_options.backendFactory ? m_options.backendFactory() : makeEngineBackend();
    m_worker = new EngineWorker(std::move(backend));
    m_worker->moveToThread(&m_thread);
    m_thread.setObjectName(QStringLiteral("engine"));
    connect(m_worker, &EngineWorker::loadProgress, this, &ChatController::modelLoadProgress);
    connect(m_worker, &EngineWorker::loaded, this, &ChatController::onLoaded);
    connect(m_worker, &EngineWorker::loadFailed, this, &ChatController::onLoadFailed);
    connect(m_worker, &EngineWorker::textDelta, this, &ChatController::onDelta);
    connect(m_worker, &EngineWorker::turnFinished, this, &ChatController::onTurnFinished);
    connect(m_worker, &EngineWorker::turnFailed, this, &ChatController::onTurnFailed);
    m_thread.start();
}

ChatController::~ChatController()
{
    m_worker->requestStop();
    m_thread.quit();
    m_thread.wait();
    delete m_worker;
    m_answer.reset(); // an answer still streaming is stored as cancelled
}

QString ChatController::historyPath() const
{
    return QDir(m_options.dataFolder).filePath(QString::fromLatin1(history::kHistoryFileName));
}

QString ChatController::storeNotice() const
{
    return QString::fromStdString(m_store->recoveryNotice());
}

void ChatController::applySettings(const ChatSettings &settings)
{
    bool reload =
        m_model && (settings.device != m_settings.device || settings.dtype != m_settings.dtype ||
                    settings.weights != m_settings.weights || settings.threads != m_settings.threads);
    m_settings = settings;
    SettingsStore().setChatSettings(m_settings);
    // Device, dtype, weights and threads are load options: reload the model to apply them.
    if (reload && !m_generating)
        loadModel(m_model->path);
}

BackendSampling ChatController::sampling() const
{
    BackendSampling s;
    s.temperature = m_settings.temperature;
    s.topP = m_settings.topP;
    s.maxTokens = m_settings.maxTokens;
    s.systemPrompt = m_settings.systemPrompt.toStdString();
    return s;
}

// ---- model -------------------------------------------------------------------------------

void ChatController::loadModel(const QString &dir)
{
    if (m_generating) {
        Q_EMIT errorOccurred(tr("Stop the answer before loading another model."));
        return;
    }
    m_loading = true;
    Q_EMIT modelLoadStarted(dir);
    BackendLoadOptions options;
    options.device = m_settings.device.toStdString();
    options.dtype = m_settings.dtype.toStdString();
    options.weights = m_settings.weights.toStdString();
    options.threads = m_settings.threads;
    EngineWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, dir, options] { worker->load(dir, options); });
}

void ChatController::onLoaded(const ModelView &model)
{
    m_loading = false;
    m_model = model;
    m_backendConversation = -1;
    SettingsStore().setLastModelPath(model.path);
    syncBackendConversation();
    Q_EMIT modelLoaded(model);
    Q_EMIT cacheChanged(cacheView());
}

void ChatController::onLoadFailed(const QString &message, bool modelKept)
{
    m_loading = false;
    if (!modelKept && m_model) {
        // The old model was released to make room for the new one.
        m_model.reset();
        m_backendConversation = -1;
        Q_EMIT cacheChanged(cacheView());
    }
    Q_EMIT modelLoadFailed(message);
}

// ---- conversations -----------------------------------------------------------------------

QList<ConversationRow> ChatController::conversations(const QString &filter)
{
    QList<ConversationRow> rows;
    reportErrors([&] { rows = m_library->list(filter); });
    return rows;
}

QList<MessageView> ChatController::messages() const
{
    if (m_conversationId == 0)
        return {};
    QList<MessageView> out;
    try {
        out = m_library->messages(m_conversationId);
    } catch (const std::exception &) {
        return {}; // the store's failures are reported where they happen (writes, opening)
    }
    // The streaming answer is ahead of its stored row (which is flushed periodically).
    if (m_answer && m_answer->active() && !out.isEmpty() && out.last().id == m_answer->id())
        out.last() = m_answer->view();
    return out;
}

void ChatController::newConversation()
{
    if (m_generating)
        stop();
    m_conversationId = 0;
    m_title.clear();
    syncBackendConversation();
    Q_EMIT conversationOpened(0);
    Q_EMIT cacheChanged(cacheView());
}

void ChatController::openConversation(qint64 id)
{
    if (m_generating) {
        Q_EMIT errorOccurred(tr("Stop the answer before switching conversations."));
        return;
    }
    try {
        auto conversation = m_store->conversation(id);
        if (!conversation) {
            Q_EMIT errorOccurred(tr("That conversation no longer exists."));
            Q_EMIT conversationsChanged();
            return;
        }
        m_store->readConversation(id); // one that cannot be read is reported here, not shown empty
        m_conversationId = id;
        m_title = QString::fromStdString(conversation->title);
        if (auto kind = cache::policyKindFromName(conversation->cache.policy))
            m_cache.policy = *kind;
        m_cache.budgetBytes = conversation->cache.budgetBytes.value_or(0);
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(
            tr("Could not open the conversation: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    SettingsStore().setLastConversation(id);
    syncBackendConversation();
    Q_EMIT conversationOpened(id);
    Q_EMIT cacheChanged(cacheView());
}

void ChatController::renameConversation(qint64 id, const QString &title)
{
    bool renamed = false;
    if (!reportErrors([&] { renamed = m_library->rename(id, title); }) || !renamed)
        return;
    if (id == m_conversationId)
        m_title = title.simplified();
    Q_EMIT conversationsChanged();
}

void ChatController::deleteConversation(qint64 id)
{
    if (id == m_conversationId && m_generating) {
        Q_EMIT errorOccurred(tr("Stop the answer before deleting this conversation."));
        return;
    }
    if (!reportErrors([&] { m_library->remove(id); }))
        return;
    Q_EMIT conversationsChanged();
    if (id == m_conversationId)
        newConversation();
}

// Re-encodes the open conversation's finished turns into the engine's cache when the engine
// holds another conversation (reopened chat, new model, regenerated or edited turn).
void ChatController::syncBackendConversation()
{
    if (!m_model || m_backendConversation == m_conversationId)
        return;
    std::vector<BackendTurn> turns;
    if (m_conversationId != 0) {
        history::ConversationDetail detail = m_store->readConversation(m_conversationId);
        turns = backendHistory(detail, *m_store);
    }
    m_backendConversation = m_conversationId;
    EngineWorker *worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker, turns = std::move(turns)] { worker->setConversation(turns); });
}

// ---- turns -------------------------------------------------------------------------------

bool ChatController::send(const QString &text, const QList<ImageAttachment> &images)
{
    if (m_generating)
        return false;
    if (!m_model) {
        Q_EMIT errorOccurred(m_loading ? tr("The model is still loading.")
                                       : tr("Load a model first (Model > Open model folder)."));
        return false;
    }
    if (text.trimmed().isEmpty() && images.isEmpty())
        return false;
    try {
        if (m_conversationId == 0) {
            history::NewConversation info;
            info.title = titleFrom(text, !images.isEmpty()).toStdString();
            info.modelPath = m_model->path.toStdString();
            info.cache = storedCacheSettings();
            m_conversationId = m_store->createConversation(info);
            m_title = QString::fromStdString(info.title);
            m_backendConversation = m_conversationId; // the engine starts it empty
            EngineWorker *worker = m_worker;
            QMetaObject::invokeMethod(worker, [worker] { worker->setConversation({}); });
            SettingsStore().setLastConversation(m_conversationId);
            Q_EMIT conversationOpened(m_conversationId);
        }
        syncBackendConversation();
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    return startTurn(text, images);
}

bool ChatController::startTurn(const QString &text, const QList<ImageAttachment> &images)
{
    BackendTurn user;
    user.role = TurnRole::User;
    user.text = text.toStdString();
    std::vector<history::ImageInput> inputs;
    for (const ImageAttachment &image : images) {
        inputs.push_back(toImageInput(image));
        user.images.push_back(toBackendImage(image));
    }
    MessageView userView;
    auto answer = std::make_unique<AnswerRecorder>();
    try {
        userView.id = m_store->appendUserTurn(m_conversationId, user.text, inputs);
        answer->begin(*m_store, m_conversationId);
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("Could not save the message: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    m_answer = std::move(answer);
    userView.role = MessageRole::User;
    userView.text = text;
    userView.images = images;
    Q_EMIT messageAdded(userView);
    Q_EMIT messageAdded(m_answer->view());

    m_turnId = m_answer->id();
    const cache::CacheChoice cache = m_cache;
    m_worker->clearStop();
    setGenerating(true);
    EngineWorker *worker = m_worker;
    qint64 turnId = m_turnId;
    BackendSampling sampling = this->sampling();
    QMetaObject::invokeMethod(worker, [worker, turnId, user, cache, sampling] {
        worker->runTurn(turnId, user, cache, sampling);
    });
    Q_EMIT conversationsChanged();
    return true;
}

void ChatController::stop()
{
    if (m_generating)
        m_worker->requestStop();
}

void ChatController::onDelta(qint64 turnId, const QString &text)
{
    if (turnId != m_turnId || !m_answer)
        return;
    m_answer->append(text);
    Q_EMIT answerDelta(turnId, text);
}

void ChatController::onTurnFinished(qint64 turnId, const BackendTurnResult &result)
{
    if (turnId != m_turnId || !m_answer)
        return;
    QString saveError;
    const MessageView view = m_answer->finish(result, &saveError);
    m_answer.reset();
    if (!saveError.isEmpty())
        Q_EMIT errorOccurred(tr("Could not save the answer: %1").arg(saveError));
    setGenerating(false);
    Q_EMIT answerFinished(view);
    Q_EMIT cacheChanged(cacheView());
    Q_EMIT conversationsChanged();
}

void ChatController::onTurnFailed(qint64 turnId, const QString &message)
{
    // The engine's conversation may be half-updated: re-encode before the next turn.
    m_backendConversation = -1;
    if (turnId == 0 || turnId != m_turnId || !m_answer) {
        Q_EMIT errorOccurred(message);
        return;
    }
    const MessageView view = m_answer->fail(message);
    m_answer.reset();
    setGenerating(false);
    Q_EMIT answerFinished(view);
    Q_EMIT errorOccurred(message);
    Q_EMIT conversationsChanged();
}

void ChatController::setGenerating(bool generating)
{
    if (m_generating == generating)
        return;
    m_generating = generating;
    Q_EMIT generatingChanged(generating);
}

std::optional<MessageView> ChatController::lastUserTurn() const
{
    if (m_conversationId == 0)
        return std::nullopt;
    try {
        return m_library->lastUserMessage(m_conversationId);
    } catch (const std::exception &) {
        return std::nullopt;
    }
}

bool ChatController::canRegenerate() const
{
    if (m_generating || !m_model || m_conversationId == 0)
        return false;
    try {
        return m_library->endsWithAnswer(m_conversationId);
    } catch (const std::exception &) {
        return false;
    }
}

bool ChatController::regenerate()
{
    if (!canRegenerate())
        return false;
    std::optional<MessageView> user = lastUserTurn();
    if (!user)
        return false;
    return editAndResend(user->text, user->images);
}

bool ChatController::editAndResend(const QString &text, const QList<ImageAttachment> &images)
{
    if (m_generating || !m_model || m_conversationId == 0)
        return false;
    try {
        history::ConversationDetail detail = m_store->readConversation(m_conversationId);
        auto last =
            std::find_if(detail.messages.rbegin(), detail.messages.rend(),
                         [](const history::Message &m) { return m.role == history::Role::User; });
        if (last == detail.messages.rend())
            return false;
        truncateConversation(*m_store, m_conversationId, last->seq);
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
        return false;
    }
    // The engine saw the removed turn: rebuild its cache from what is left.
    m_backendConversation = -1;
    syncBackendConversation();
    Q_EMIT conversationOpened(m_conversationId);
    return startTurn(text, images);
}

// ---- export --------------------------------------------------------------------------------

QString ChatController::exportMarkdown(qint64 id, const QString &dir)
{
    QString path;
    reportErrors([&] { path = m_library->exportMarkdown(id, dir); });
    return path;
}

bool ChatController::exportJson(qint64 id, const QString &file)
{
    return reportErrors([&] { m_library->exportJson(id, file); });
}

qint64 ChatController::importJson(const QString &file)
{
    qint64 id = 0;
    if (reportErrors([&] { id = m_library->importJson(file); }))
        Q_EMIT conversationsChanged();
    return id;
}

// ---- cache -------------------------------------------------------------------------------

void ChatController::setPolicy(cache::PolicyKind policy)
{
    if (policy == m_cache.policy)
        return;
    m_cache.policy = policy;
    saveCacheChoice();
}

void ChatController::setBudgetBytes(qint64 bytes)
{
    bytes = std::max<qint64>(0, bytes);
    if (bytes == m_cache.budgetBytes)
        return;
    m_cache.budgetBytes = bytes;
    saveCacheChoice();
}

history::CacheSettings ChatController::storedCacheSettings() const
{
    history::CacheSettings stored;
    stored.policy = cache::policyName(m_cache.policy);
    if (m_cache.budgetBytes > 0)
        stored.budgetBytes = m_cache.budgetBytes;
    return stored;
}

// The choice applies from the next compaction and is saved with the conversation.
void ChatController::saveCacheChoice()
{
    SettingsStore().setCacheChoice(m_cache);
    if (m_conversationId != 0) {
        try {
            m_store->updateCacheSettings(m_conversationId, storedCacheSettings());
        } catch (const std::exception &e) {
            Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
        }
    }
    Q_EMIT cacheChanged(cacheView());
}

QList<TurnMetrics> ChatController::turnMetrics() const
{
    if (m_conversationId == 0)
        return {};
    try {
        return m_library->turnMetrics(m_conversationId);
    } catch (const std::exception &) {
        return {};
    }
}

CacheView ChatController::cacheView() const
{
    return makeCacheView(m_cache, m_model, turnMetrics());
}

} // namespace ec::app
