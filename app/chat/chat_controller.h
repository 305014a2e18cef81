// ChatController: the only object the widgets talk to, and the owner of the open conversation's
// turns. It lives on the GUI thread, owns the history store (every turn, image and statistic is
// written through it) and an EngineWorker on its own thread; nothing here waits for the engine.
// Its helpers each have one job: SettingsStore (every QSettings key), ConversationLibrary (list,
// rename, delete, export, import), AnswerRecorder (the streaming answer's row), makeCacheView.
#pragma once

#include "app/chat/chat_backend.h"
#include "app/chat/chat_types.h"

#include <QObject>
#include <QThread>
#include <memory>
#include <optional>

namespace ec::history {
class HistoryStore;
struct CacheSettings;
} // namespace ec::history

namespace ec::app {

class AnswerRecorder;
class ConversationLibrary;
class EngineWorker;

class ChatController : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString dataFolder;            // holds history.db
        BackendFactory backendFactory; // the libtorch engine when empty
    };

    explicit ChatController(Options options, QObject *parent = nullptr);
    ~ChatController() override;

    // State, for the widgets to read after a signal.
    bool isModelLoaded() const { return m_model.has_value(); }
    bool isLoading() const { return m_loading; }
    bool isGenerating() const { return m_generating; }
    std::optional<ModelView> model() const { return m_model; }
    CacheView cacheView() const;
    qint64 currentConversationId() const { return m_conversationId; }
    QString currentTitle() const { return m_title; }
    // The open conversation as stored, the answer streaming now included.
    QList<MessageView> messages() const;
    QList<TurnMetrics> turnMetrics() const;
    ChatSettings settings() const { return m_settings; }
    QString historyPath() const;
    QString storeNotice() const;
    bool canRegenerate() const;
    std::optional<MessageView> lastUserTurn() const;

    QList<ConversationRow> conversations(const QString &filter = {});

public Q_SLOTS:
    void loadModel(const QString &dir);
    void newConversation();
    void openConversation(qint64 id);
    void renameConversation(qint64 id, const QString &title);
    void deleteConversation(qint64 id);
    bool send(const QString &text, const QList<ec::app::ImageAttachment> &images);
    void stop();
    bool regenerate();
    bool editAndResend(const QString &text, const QList<ec::app::ImageAttachment> &images);
    void setPolicy(ec::cache::PolicyKind policy);
    void setBudgetBytes(qint64 bytes);
    void applySettings(const ec::app::ChatSettings &settings);
    // Export and import through the history's formats. Empty / 0 on failure (errorOccurred).
    QString exportMarkdown(qint64 id, const QString &dir);
    bool exportJson(qint64 id, const QString &file);
    qint64 importJson(const QString &file);

Q_SIGNALS:
    void conversationsChanged();
    void conversationOpened(qint64 id);
    void messageAdded(const ec::app::MessageView &message);
    void answerDelta(qint64 messageId, const QString &delta);
    void answerFinished(const ec::app::MessageView &message);
    void generatingChanged(bool generating);
    void modelLoadStarted(const QString &dir);
    void modelLoadProgress(int percent, const QString &stage);
    void modelLoaded(const ec::app::ModelView &model);
    void modelLoadFailed(const QString &message);
    void cacheChanged(const ec::app::CacheView &cache);
    void errorOccurred(const QString &message);

private:
    void onLoaded(const ModelView &model);
    void onLoadFailed(const QString &message, bool modelKept);
    void onDelta(qint64 turnId, const QString &text);
    void onTurnFinished(qint64 turnId, const BackendTurnResult &result);
    void onTurnFailed(qint64 turnId, const QString &message);
    bool startTurn(const QString &text, const QList<ImageAttachment> &images);
    void syncBackendConversation();
    void saveCacheChoice();
    history::CacheSettings storedCacheSettings() const;
    void setGenerating(bool generating);
    BackendSampling sampling() const;
    // Runs `action`; an exception becomes errorOccurred(its message) and false.
    template <typename Action> bool reportErrors(Action &&action);

    Options m_options;
    std::unique_ptr<history::HistoryStore> m_store;
    std::unique_ptr<ConversationLibrary> m_library;
    QThread m_thread;
    EngineWorker *m_worker = nullptr; // lives on m_thread; deleted after it stops

    ChatSettings m_settings;
    std::optional<ModelView> m_model;
    bool m_loading = false;
    cache::CacheChoice m_cache;

    qint64 m_conversationId = 0;
    QString m_title;
    qint64 m_backendConversation = -1; // the conversation whose history the engine holds

    bool m_generating = false;
    qint64 m_turnId = 0;
    std::unique_ptr<AnswerRecorder> m_answer;
};

} // namespace ec::app

Q_DECLARE_METATYPE(QList<ec::app::ImageAttachment>)
