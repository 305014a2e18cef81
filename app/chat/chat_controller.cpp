#include "app/chat/chat_controller.h"

#include "app/chat/engine_worker.h"
#include "app/chat/history_truncate.h"
#include "app/chat/history_views.h"
#include "app/chat/engine_backend.h"
#include "app/history/conversation_export.h"
#include "app/history/history_store.h"
#include "app/paths.h"

#include <QDir>
#include <QFile>
#include <QSettings>
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

history::MessageStatus toHistoryStatus(bool cancelled)
{
    return cancelled ? history::MessageStatus::Cancelled : history::MessageStatus::Complete;
}
} // namespace

ChatController::ChatController(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<MessageView>();
    qRegisterMetaType<ModelView>();
    qRegisterMetaType<CacheView>();
    qRegisterMetaType<BackendTurnResult>();
    loadSettings();
    if (m_options.dataFolder.isEmpty())
        m_options.dataFolder =
            m_settings.dataFolder.isEmpty() ? defaultDataFolder() : m_settings.dataFolder;
    m_settings.dataFolder = m_options.dataFolder;
    QDir().mkpath(m_options.dataFolder);
    m_store = std::make_unique<history::HistoryStore>(historyPath().toStdString());

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
    // An answer still streaming is finished as cancelled, not left for recovery.
    if (m_answer && !m_answer->finished()) {
        history::FinishInfo info;
        info.status = history::MessageStatus::Cancelled;
        m_answer->finish(info);
    }
}

QString ChatController::defaultDataFolder()
{
    return QString::fromStdString(dataDirectory().string());
}

QString ChatController::sampleImagePath()
{
    // A scene of the demo model's world first: the model the app ships with can describe it.
    for (const char *name : {"demo-scene-1.png", "chelsea.png"}) {
        auto path = resourcesDirectory() / "samples" / name;
        std::error_code ec;
        if (std::filesystem::exists(path, ec))
            return QString::fromStdString(path.string());
    }
    return {};
}

QString ChatController::sampleQuestion()
{
    return sampleImagePath().endsWith("chelsea.png") ? tr("What animal is in this picture?")
                                                     : tr("Describe the image in detail.");
}

QString ChatController::historyPath() const
{
    return QDir(m_options.dataFolder).filePath(QString::fromLatin1(history::kHistoryFileName));
}

QString ChatController::storeNotice() const
{
    return QString::fromStdString(m_store->recoveryNotice());
}

void ChatController::loadSettings()
{
    QSettings s;
    s.beginGroup(QStringLiteral("engine"));
    m_settings.device = s.value("device", m_settings.device).toString();
    m_settings.dtype = s.value("dtype", m_settings.dtype).toString();
    m_settings.threads = s.value("threads", m_settings.threads).toInt();
    m_settings.temperature = s.value("temperature", m_settings.temperature).toDouble();
    m_settings.topP = s.value("topP", m_settings.topP).toDouble();
    m_settings.maxTokens = s.value("maxTokens", m_settings.maxTokens).toInt();
    m_settings.systemPrompt = s.value("systemPrompt").toString();
    m_settings.dataFolder = s.value("dataFolder").toString();
    s.endGroup();
    m_cache.policy =
        cache::policyKindFromName(s.value("cache/policy").toString().toStdString())
            .value_or(m_cache.policy);
    m_cache.budgetBytes = std::max<qint64>(0, s.value("cache/budgetBytes", 0).toLongLong());
}

void ChatController::saveSettings() const
{
    QSettings s;
    s.beginGroup(QStringLiteral("engine"));
    s.setValue("device", m_settings.device);
    s.setValue("dtype", m_settings.dtype);
    s.setValue("threads", m_settings.threads);
    s.setValue("temperature", m_settings.temperature);
    s.setValue("topP", m_settings.topP);
    s.setValue("maxTokens", m_settings.maxTokens);
    s.setValue("systemPrompt", m_settings.systemPrompt);
    s.setValue("dataFolder", m_settings.dataFolder);
    s.endGroup();
}

void ChatController::applySettings(const ChatSettings &settings)
{
    bool reload =
        m_model && (settings.device != m_settings.device || settings.dtype != m_settings.dtype ||
                    settings.threads != m_settings.threads);
    m_settings = settings;
    saveSettings();
    // Device, dtype and threads are load options: reload the model to apply them.
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
    options.threads = m_settings.threads;
    EngineWorker *worker = m_worker;
    QMetaObject::invokeMethod(worker, [worker, dir, options] { worker->load(dir, options); });
}

void ChatController::onLoaded(const ModelView &model)
{
    m_loading = false;
    m_model = model;
    m_backendConversation = -1;
    QSettings().setValue("model/lastPath", model.path);
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
    try {
        std::vector<history::ConversationSummary> found =
            filter.trimmed().isEmpty() ? m_store->listConversations(500)
                                       : m_store->search(filter.trimmed().toStdString(), 200);
        for (const auto &summary : found)
            rows.append(toRow(summary));
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("History search failed: %1").arg(QString::fromUtf8(e.what())));
    }
    return rows;
}

void ChatController::newConversation()
{
    if (m_generating)
        stop();
    m_conversationId = 0;
    m_title.clear();
    m_messages.clear();
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
        m_conversationId = id;
        m_title = QString::fromStdString(conversation->title);
        if (auto kind = cache::policyKindFromName(conversation->cache.policy))
            m_cache.policy = *kind;
        m_cache.budgetBytes = conversation->cache.budgetBytes.value_or(0);
        reloadMessages();
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(
            tr("Could not open the conversation: %1").arg(QString::fromUtf8(e.what())));
        return;
    }
    QSettings().setValue("history/lastConversation", id);
    syncBackendConversation();
    Q_EMIT conversationOpened(id);
    Q_EMIT cacheChanged(cacheView());
}

void ChatController::reloadMessages()
{
    m_messages.clear();
    history::ConversationDetail detail = m_store->readConversation(m_conversationId);
    for (const history::Message &m : detail.messages) {
        if (m.role != history::Role::System)
            m_messages.append(toView(m, *m_store));
    }
}

void ChatController::renameConversation(qint64 id, const QString &title)
{
    QString clean = title.simplified();
    if (clean.isEmpty())
        return;
    try {
        m_store->renameConversation(id, clean.toStdString());
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
        return;
    }
    if (id == m_conversationId)
        m_title = clean;
    Q_EMIT conversationsChanged();
}

void ChatController::deleteConversation(qint64 id)
{
    if (id == m_conversationId && m_generating) {
        Q_EMIT errorOccurred(tr("Stop the answer before deleting this conversation."));
        return;
    }
    try {
        m_store->deleteConversation(id);
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(QString::fromUtf8(e.what()));
        return;
    }
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
            QSettings().setValue("history/lastConversation", m_conversationId);
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
    MessageView answerView;
    try {
        userView.id = m_store->appendUserTurn(m_conversationId, user.text, inputs);
        m_answer = std::make_unique<history::AnswerWriter>(m_store->beginAnswer(m_conversationId));
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("Could not save the message: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
    userView.role = MessageRole::User;
    userView.text = text;
    userView.images = images;
    m_messages.append(userView);
    Q_EMIT messageAdded(userView);

    answerView.id = m_answer->messageId();
    answerView.role = MessageRole::Assistant;
    answerView.status = AnswerStatus::Streaming;
    m_messages.append(answerView);
    Q_EMIT messageAdded(answerView);

    m_turnId = answerView.id;
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
    m_answer->append(text.toStdString());
    if (!m_messages.isEmpty() && m_messages.last().id == turnId)
        m_messages.last().text += text;
    Q_EMIT answerDelta(turnId, text);
}

void ChatController::onTurnFinished(qint64 turnId, const BackendTurnResult &result)
{
    if (turnId != m_turnId || !m_answer)
        return;
    history::FinishInfo info;
    info.status = toHistoryStatus(result.cancelled);
    info.promptTokens = result.promptTokens;
    info.completionTokens = result.completionTokens;
    info.stats = toHistoryStats(result.stats);
    MessageView view;
    view.id = turnId;
    view.role = MessageRole::Assistant;
    view.text = QString::fromStdString(m_answer->text());
    view.status = result.cancelled ? AnswerStatus::Cancelled : AnswerStatus::Complete;
    view.metrics = toMetrics(*info.stats);
    try {
        m_answer->finish(info);
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("Could not save the answer: %1").arg(QString::fromUtf8(e.what())));
    }
    m_answer.reset();
    if (!m_messages.isEmpty() && m_messages.last().id == turnId)
        m_messages.last() = view;
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
    history::FinishInfo info;
    info.status = history::MessageStatus::Failed;
    info.error = message.toStdString();
    MessageView view;
    view.id = turnId;
    view.role = MessageRole::Assistant;
    view.text = QString::fromStdString(m_answer->text());
    view.status = AnswerStatus::Failed;
    view.error = message;
    try {
        m_answer->finish(info);
    } catch (const std::exception &) {
    }
    m_answer.reset();
    if (!m_messages.isEmpty() && m_messages.last().id == turnId)
        m_messages.last() = view;
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
    for (auto it = m_messages.crbegin(); it != m_messages.crend(); ++it) {
        if (it->role == MessageRole::User)
            return *it;
    }
    return std::nullopt;
}

bool ChatController::canRegenerate() const
{
    return !m_generating && m_model && !m_messages.isEmpty() &&
           m_messages.last().role == MessageRole::Assistant;
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
        reloadMessages();
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
    try {
        auto path = history::exportMarkdown(*m_store, id, dir.toStdString());
        return QString::fromStdString(path.string());
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("Export failed: %1").arg(QString::fromUtf8(e.what())));
        return {};
    }
}

bool ChatController::exportJson(qint64 id, const QString &file)
{
    try {
        history::writeFileAtomically(file.toStdString(), history::exportJson(*m_store, id));
        return true;
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("Export failed: %1").arg(QString::fromUtf8(e.what())));
        return false;
    }
}

qint64 ChatController::importJson(const QString &file)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly)) {
        Q_EMIT errorOccurred(tr("Cannot read %1: %2").arg(file, in.errorString()));
        return 0;
    }
    try {
        QByteArray json = in.readAll();
        qint64 id = history::importJson(*m_store, std::string_view(json.constData(), json.size()));
        Q_EMIT conversationsChanged();
        return id;
    } catch (const std::exception &e) {
        Q_EMIT errorOccurred(tr("Import failed: %1").arg(QString::fromUtf8(e.what())));
        return 0;
    }
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
    QSettings s;
    s.setValue("cache/policy", QString::fromLatin1(cache::policyName(m_cache.policy)));
    s.setValue("cache/budgetBytes", qint64(m_cache.budgetBytes));
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
    QList<TurnMetrics> out;
    for (const MessageView &m : m_messages) {
        if (m.metrics)
            out.append(*m.metrics);
    }
    return out;
}

CacheView ChatController::cacheView() const
{
    CacheView v;
    v.choice = m_cache;
    if (m_model) {
        v.bytesPerToken = m_model->bytesPerToken;
        v.maxBytes = m_model->bytesPerToken * m_model->maxContext;
    }
    QList<TurnMetrics> turns = turnMetrics();
    qint64 fullEntries = 0;
    qint64 previousAfter = 0;
    for (const TurnMetrics &turn : turns) {
        // Without compaction the cache keeps every prompt token and every generated one.
        fullEntries += std::max<qint64>(0, turn.entriesBefore - previousAfter) + turn.decodeTokens;
        previousAfter = turn.entriesAfter;
    }
    if (!turns.isEmpty()) {
        v.heldBytes = turns.last().bytesAfter;
        v.heldEntries = turns.last().entriesAfter;
    }
    v.fullBytes = fullEntries * v.bytesPerToken;
    return v;
}

} // namespace ec::app
