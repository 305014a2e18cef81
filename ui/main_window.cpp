#include "ui/main_window.h"

#include "app/chat/chat_controller.h"
#include "app/chat/sample_offer.h"
#include "app/chat/settings_store.h"
#include "ui/attachment_strip.h"
#include "ui/cache_panel.h"
#include "ui/composer.h"
#include "ui/conversation_list.h"
#include "ui/format.h"
#include "ui/message_widget.h"
#include "ui/prompt_edit.h"
#include "ui/settings_dialog.h"
#include "ui/transcript_view.h"

#include <QAction>
#include <QCloseEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QProgressBar>
#include <QSplitter>
#include <QStatusBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace ec::ui {

MainWindow::MainWindow(app::ChatController *controller, QWidget *parent)
    : QMainWindow(parent)
    , m_controller(controller)
{
    setWindowTitle(tr("Elastic Chat"));
    setObjectName(QStringLiteral("mainWindow"));
    buildLayout();
    buildActions();
    connectController();
    resize(1280, 800);
    app::SettingsStore settings;
    restoreGeometry(settings.windowGeometry());
    m_splitter->restoreState(settings.splitterState());
    refreshConversations();
    showConversation();
    updateStatus();
    updateCache();
    if (!m_controller->storeNotice().isEmpty())
        showError(m_controller->storeNotice());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildLayout()
{
    m_conversations = new ConversationList;
    m_conversations->setMinimumWidth(180);

    auto *center = new QWidget;
    auto *centerLayout = new QVBoxLayout(center);
    centerLayout->setContentsMargins(0, 0, 0, 0);
    centerLayout->setSpacing(0);
    m_title = new QLabel;
    m_title->setObjectName(QStringLiteral("conversationTitle"));
    m_title->setContentsMargins(16, 8, 16, 8);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.15);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    centerLayout->addWidget(m_title);

    m_errorBanner = new QFrame;
    m_errorBanner->setObjectName(QStringLiteral("errorBanner"));
    m_errorBanner->setStyleSheet(QStringLiteral(
        "#errorBanner { background: #ffeef0; border: 1px solid #f4b6bd; border-radius: 6px; }"));
    auto *bannerLayout = new QHBoxLayout(m_errorBanner);
    m_errorLabel = new QLabel;
    m_errorLabel->setObjectName(QStringLiteral("errorText"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(QStringLiteral("color: #86181d;"));
    m_errorLabel->setAccessibleName(tr("Error message"));
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bannerLayout->addWidget(m_errorLabel, 1);
    auto *dismiss = new QToolButton;
    dismiss->setText(tr("Dismiss"));
    dismiss->setAccessibleName(tr("Dismiss error"));
    connect(dismiss, &QToolButton::clicked, this, &MainWindow::clearError);
    bannerLayout->addWidget(dismiss, 0, Qt::AlignTop);
    m_errorBanner->setVisible(false);
    auto *bannerWrap = new QHBoxLayout;
    bannerWrap->setContentsMargins(12, 4, 12, 4);
    bannerWrap->addWidget(m_errorBanner);
    centerLayout->addLayout(bannerWrap);

    m_transcript = new TranscriptView;
    centerLayout->addWidget(m_transcript, 1);
    m_composer = new Composer;
    centerLayout->addWidget(m_composer);

    m_cachePanel = new CachePanel;
    m_cachePanel->setMinimumWidth(280);

    m_splitter = new QSplitter;
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->addWidget(m_conversations);
    m_splitter->addWidget(center);
    m_splitter->addWidget(m_cachePanel);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setStretchFactor(2, 0);
    m_splitter->setSizes({230, 700, 340});
    setCentralWidget(m_splitter);

    m_statusModel = new QLabel(tr("No model loaded"));
    m_statusModel->setObjectName(QStringLiteral("statusModel"));
    m_statusDevice = new QLabel;
    m_statusDevice->setObjectName(QStringLiteral("statusDevice"));
    m_statusMemory = new QLabel;
    m_statusMemory->setObjectName(QStringLiteral("statusMemory"));
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("loadProgress"));
    m_progress->setAccessibleName(tr("Model loading progress"));
    m_progress->setMaximumWidth(220);
    m_progress->setRange(0, 100);
    m_progress->setVisible(false);
    statusBar()->addWidget(m_progress);
    statusBar()->addPermanentWidget(m_statusModel);
    statusBar()->addPermanentWidget(m_statusDevice);
    statusBar()->addPermanentWidget(m_statusMemory);
}

void MainWindow::buildActions()
{
    auto add = [this](QMenu *menu, const QString &name, const QString &text,
                      const QList<QKeySequence> &keys, auto slot) {
        auto *a = new QAction(text, this);
        a->setObjectName(name);
        a->setShortcuts(keys);
        a->setShortcutContext(Qt::WindowShortcut);
        connect(a, &QAction::triggered, this, slot);
        menu->addAction(a);
        addAction(a);
        return a;
    };
    QMenu *file = menuBar()->addMenu(tr("&Chat"));
    add(file, "actionNewChat", tr("&New chat"), {QKeySequence::New},
        [this] { m_controller->newConversation(); });
    add(file, "actionSend", tr("&Send"), {QKeySequence(Qt::CTRL | Qt::Key_Return)},
        [this] { m_composer->submit(); });
    add(file, "actionStop", tr("S&top"),
        {QKeySequence(Qt::Key_Escape), QKeySequence(Qt::CTRL | Qt::Key_Period)},
        [this] { m_controller->stop(); });
    add(file, "actionRegenerate", tr("&Regenerate last answer"),
        {QKeySequence(Qt::CTRL | Qt::Key_R)}, [this] { m_controller->regenerate(); });
    add(file, "actionEditLast", tr("&Edit last message"), {QKeySequence(Qt::CTRL | Qt::Key_E)},
        [this] {
            if (auto last = m_controller->lastUserTurn(); last && !m_controller->isGenerating())
                m_composer->beginEdit(*last);
        });
    add(file, "actionSearch", tr("Search conversations"),
        {QKeySequence::Find, QKeySequence(Qt::CTRL | Qt::Key_K)}, [this] {
            m_conversations->searchField()->setFocus();
            m_conversations->searchField()->selectAll();
        });
    file->addSeparator();
    add(file, "actionRename", tr("Rename conversation"), {QKeySequence(Qt::Key_F2)},
        [this] { m_conversations->renameSelected(); });
    add(file, "actionDelete", tr("Delete conversation…"), {},
        [this] { m_conversations->deleteSelected(true); });
    add(file, "actionExportMarkdown", tr("Export as Markdown…"), {}, [this] {
        qint64 id = m_controller->currentConversationId();
        QString dir = id ? QFileDialog::getExistingDirectory(this, tr("Export to folder")) : "";
        if (!dir.isEmpty()) {
            QString path = m_controller->exportMarkdown(id, dir);
            if (!path.isEmpty())
                statusBar()->showMessage(tr("Exported to %1").arg(path), 8000);
        }
    });
    add(file, "actionExportJson", tr("Export as JSON…"), {}, [this] {
        qint64 id = m_controller->currentConversationId();
        QString file = id ? QFileDialog::getSaveFileName(this, tr("Export conversation"),
                                                         m_controller->currentTitle() + ".json",
                                                         tr("JSON (*.json)"))
                          : QString();
        if (!file.isEmpty() && m_controller->exportJson(id, file))
            statusBar()->showMessage(tr("Exported to %1").arg(file), 8000);
    });
    add(file, "actionImport", tr("Import conversation…"), {}, [this] {
        QString file =
            QFileDialog::getOpenFileName(this, tr("Import conversation"), {}, tr("JSON (*.json)"));
        if (!file.isEmpty()) {
            if (qint64 id = m_controller->importJson(file))
                m_controller->openConversation(id);
        }
    });
    file->addSeparator();
    add(file, "actionQuit", tr("&Quit"), {QKeySequence::Quit}, [this] { close(); });

    QMenu *model = menuBar()->addMenu(tr("&Model"));
    add(model, "actionOpenModel", tr("&Open model folder…"), {QKeySequence::Open},
        [this] { openModelFolder(); });
    add(model, "actionSettings", tr("&Settings…"), {QKeySequence(Qt::CTRL | Qt::Key_Comma)},
        [this] { openSettings(); });
}

QAction *MainWindow::action(const QString &name) const
{
    return findChild<QAction *>(name);
}

void MainWindow::connectController()
{
    using app::ChatController;
    connect(m_conversations, &ConversationList::newRequested, m_controller,
            &ChatController::newConversation);
    connect(m_conversations, &ConversationList::openRequested, this, [this](qint64 id) {
        if (id != m_controller->currentConversationId())
            m_controller->openConversation(id);
    });
    connect(m_conversations, &ConversationList::renameRequested, m_controller,
            &ChatController::renameConversation);
    connect(m_conversations, &ConversationList::deleteRequested, m_controller,
            &ChatController::deleteConversation);
    connect(m_conversations, &ConversationList::searchChanged, this,
            &MainWindow::refreshConversations);

    connect(m_composer, &Composer::sendRequested, this,
            [this](const QString &text, const QList<app::ImageAttachment> &images) {
                sendFromComposer(text, images, false);
            });
    connect(m_composer, &Composer::editResendRequested, this,
            [this](const QString &text, const QList<app::ImageAttachment> &images) {
                sendFromComposer(text, images, true);
            });
    connect(m_composer, &Composer::stopRequested, m_controller, &ChatController::stop);
    connect(m_composer, &Composer::errorOccurred, this, &MainWindow::showError);
    // The memory shown rises as soon as an image is attached (it will enter the cache).
    connect(m_composer->attachments(), &AttachmentStrip::changed, this, &MainWindow::updateCache);
    m_transcript->setSampleOffered(!app::sampleImagePath().isEmpty());
    connect(m_transcript, &TranscriptView::sampleRequested, this, [this] {
        m_composer->clearInput();
        m_composer->addFiles({app::sampleImagePath()});
        m_composer->edit()->setPlainText(app::sampleQuestion());
        m_composer->edit()->setFocus();
    });
    connect(m_transcript, &TranscriptView::regenerateRequested, m_controller,
            &ChatController::regenerate);
    connect(m_transcript, &TranscriptView::editRequested, this, [this] {
        if (auto last = m_controller->lastUserTurn(); last && !m_controller->isGenerating())
            m_composer->beginEdit(*last);
    });

    connect(m_cachePanel, &CachePanel::policyChanged, m_controller, &ChatController::setPolicy);
    connect(m_cachePanel, &CachePanel::budgetChanged, m_controller,
            &ChatController::setBudgetBytes);

    connect(m_controller, &ChatController::conversationsChanged, this,
            &MainWindow::refreshConversations);
    connect(m_controller, &ChatController::conversationOpened, this, [this] {
        showConversation();
        refreshConversations();
    });
    connect(m_controller, &ChatController::messageAdded, this,
            [this](const app::MessageView &m) { m_transcript->addMessage(m); });
    connect(m_controller, &ChatController::answerDelta, m_transcript, &TranscriptView::appendDelta);
    connect(m_controller, &ChatController::answerFinished, this, [this](const app::MessageView &m) {
        m_transcript->finishMessage(m);
        updateCache();
    });
    connect(m_controller, &ChatController::generatingChanged, m_composer, &Composer::setGenerating);
    connect(m_controller, &ChatController::cacheChanged, this, [this] { updateCache(); });
    connect(m_controller, &ChatController::errorOccurred, this, &MainWindow::showError);
    connect(m_controller, &ChatController::modelLoadStarted, this, [this](const QString &dir) {
        m_progress->setValue(0);
        m_progress->setFormat(tr("Loading %p%"));
        m_progress->setVisible(true);
        m_statusModel->setText(tr("Loading %1…").arg(dir));
    });
    connect(m_controller, &ChatController::modelLoadProgress, this,
            [this](int percent, const QString &stage) {
                m_progress->setValue(percent);
                m_progress->setFormat(stage + QStringLiteral(" %p%"));
            });
    connect(m_controller, &ChatController::modelLoaded, this, [this] {
        m_progress->setVisible(false);
        clearError();
        updateStatus();
        updateCache();
    });
    connect(m_controller, &ChatController::modelLoadFailed, this, [this](const QString &why) {
        m_progress->setVisible(false);
        updateStatus();
        showError(tr("The model could not be loaded. %1").arg(why));
    });
}

void MainWindow::sendFromComposer(const QString &text, const QList<app::ImageAttachment> &images,
                                  bool replaceLast)
{
    bool sent =
        replaceLast ? m_controller->editAndResend(text, images) : m_controller->send(text, images);
    if (sent) {
        m_composer->clearInput();
        clearError();
    }
}

void MainWindow::refreshConversations()
{
    m_conversations->setRows(m_controller->conversations(m_conversations->searchField()->text()),
                             m_controller->currentConversationId());
}

void MainWindow::showConversation()
{
    QString title = m_controller->currentTitle();
    m_title->setText(title.isEmpty() ? tr("New chat") : title);
    m_transcript->setMessages(m_controller->messages());
    m_composer->cancelEdit();
    updateCache();
}

void MainWindow::updateStatus()
{
    if (auto model = m_controller->model()) {
        m_statusModel->setText(tr("Model: %1").arg(model->name));
        m_statusModel->setToolTip(model->path);
        m_statusDevice->setText(model->weights.isEmpty() || model->weights == model->dtype
                                    ? tr("%1 · %2").arg(model->device, model->dtype)
                                    : tr("%1 · %2 · %3 weights")
                                          .arg(model->device, model->dtype, model->weights));
    } else {
        m_statusModel->setText(m_controller->isLoading() ? tr("Loading model…")
                                                         : tr("No model loaded"));
        m_statusDevice->clear();
    }
}

void MainWindow::updateCache()
{
    app::CacheView cache = m_controller->cacheView();
    m_cachePanel->setCache(cache);
    m_cachePanel->setTurns(m_controller->turnMetrics());
    if (auto model = m_controller->model()) {
        // What this conversation costs now: weights plus the cache it holds.
        QString text = tr("Memory: weights %1 + cache %2")
                           .arg(formatBytes(model->weightBytes), formatBytes(cache.heldBytes));
        qint64 images = m_composer->attachments()->images().size();
        if (images > 0)
            text += tr(" + %1 for the attached image(s)")
                        .arg(formatBytes(images * model->tokensPerImage * model->bytesPerToken));
        m_statusMemory->setText(text);
    } else {
        m_statusMemory->clear();
    }
}

void MainWindow::showError(const QString &message)
{
    m_errorLabel->setText(message);
    m_errorBanner->setVisible(true);
}

void MainWindow::clearError()
{
    m_errorLabel->clear();
    m_errorBanner->setVisible(false);
}

QString MainWindow::errorText() const
{
    return m_errorBanner->isVisible() ? m_errorLabel->text() : QString();
}

void MainWindow::openModelFolder()
{
    QString dir = QFileDialog::getExistingDirectory(this, tr("Open a llava-hf model folder"),
                                                    app::SettingsStore().lastModelPath());
    if (!dir.isEmpty())
        m_controller->loadModel(dir);
}

void MainWindow::openSettings()
{
    SettingsDialog dialog(m_controller->settings(), this);
    if (dialog.exec() == QDialog::Accepted)
        m_controller->applySettings(dialog.settings());
}

void MainWindow::restoreSession(const QString &fallbackModel)
{
    app::SettingsStore settings;
    qint64 last = settings.lastConversation();
    if (last > 0) {
        for (const app::ConversationRow &row : m_controller->conversations()) {
            if (row.id == last) {
                m_controller->openConversation(last);
                break;
            }
        }
    }
    QString model = settings.lastModelPath();
    if (model.isEmpty())
        model = fallbackModel;
    if (!model.isEmpty())
        m_controller->loadModel(model);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    app::SettingsStore().setWindowLayout(saveGeometry(), m_splitter->saveState());
    m_controller->stop();
    QMainWindow::closeEvent(event);
}

} // namespace ec::ui
