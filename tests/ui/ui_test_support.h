// Shared set-up for the GUI tests: one QApplication per process, settings and data in a
// temporary folder, a fake llava-hf folder, and the real window over a real HistoryStore.
#pragma once

#include "app/chat/chat_controller.h"
#include "lab/doubles/scripted_backend.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>
#include <atomic>
#include <memory>

namespace ec::test {

QApplication &app();

template <typename Predicate> bool waitFor(Predicate done, int timeoutMs = 15000)
{
    QElapsedTimer timer;
    timer.start();
    while (!done()) {
        if (timer.elapsed() > timeoutMs)
            return false;
        QApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
    return true;
}

// Counts the tokens the backend has streamed, as the engine thread sees them.
struct TokenCounter
{
    std::atomic<int> tokens{0};
};

struct WindowFixture
{
    // `dataDir` empty: a fresh temporary folder.
    explicit WindowFixture(app::ScriptedBackendOptions options = {}, QString dataDir = {});
    // Any backend (the real engine's, for instance).
    WindowFixture(app::BackendFactory factory, QString dataDir);
    ~WindowFixture();

    bool loadModel();
    // Sends through the composer (types, attaches, presses Enter); waits for the answer.
    bool sendAndWait(const QString &text, const QList<QImage> &images = {});
    QString writeFakeModel(const QString &name, const QByteArray &config, bool weights = true);

private:
    void open(app::BackendFactory factory, const QString &dir);

public:
    QTemporaryDir temp;
    QString dataDir;
    QString modelDir;
    std::shared_ptr<TokenCounter> counter = std::make_shared<TokenCounter>();
    std::unique_ptr<app::ChatController> controller;
    std::unique_ptr<ui::MainWindow> window;
};

} // namespace ec::test
