// The Elastic Chat main window: conversation list, transcript, composer and cache panel, with
// the model, device, dtype and memory in the status bar. Talks to the ChatController only.
#pragma once

#include "app/chat/chat_types.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QProgressBar;
class QSplitter;
class QFrame;

namespace ec::app {
class ChatController;
}

namespace ec::ui {

class CachePanel;
class Composer;
class ConversationList;
class TranscriptView;

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(app::ChatController *controller, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Reopens the last conversation and the last model (or `fallbackModel`).
    void restoreSession(const QString &fallbackModel = {});

    ConversationList *conversationList() const { return m_conversations; }
    TranscriptView *transcript() const { return m_transcript; }
    Composer *composer() const { return m_composer; }
    CachePanel *cachePanel() const { return m_cachePanel; }
    QString errorText() const;
    void showError(const QString &message);
    void clearError();
    QAction *action(const QString &name) const;

public Q_SLOTS:
    void openModelFolder();
    void openSettings();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildLayout();
    void connectController();
    void refreshConversations();
    void showConversation();
    void updateStatus();
    void updateCache();
    void sendFromComposer(const QString &text, const QList<app::ImageAttachment> &images,
                          bool replaceLast);

    app::ChatController *m_controller;
    ConversationList *m_conversations = nullptr;
    TranscriptView *m_transcript = nullptr;
    Composer *m_composer = nullptr;
    CachePanel *m_cachePanel = nullptr;
    QSplitter *m_splitter = nullptr;
    QLabel *m_title = nullptr;
    QFrame *m_errorBanner = nullptr;
    QLabel *m_errorLabel = nullptr;
    QLabel *m_statusModel = nullptr;
    QLabel *m_statusDevice = nullptr;
    QLabel *m_statusMemory = nullptr;
    QProgressBar *m_progress = nullptr;
};

} // namespace ec::ui
