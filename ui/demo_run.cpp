#include "ui/demo_run.h"

#include "app/chat/chat_controller.h"
#include "ui/composer.h"
#include "ui/main_window.h"
#include "ui/transcript_view.h"

#include <QApplication>
#include <QTimer>

#include <cstdio>

namespace ec::ui {

namespace {
void finish(int code, const QString &message)
{
    std::fprintf(code == 0 ? stdout : stderr, "%s\n", message.toUtf8().constData());
    std::fflush(nullptr);
    QApplication::exit(code);
}
} // namespace

void startDemoRun(MainWindow *window, app::ChatController *controller, const QString &screenshot,
                  int timeoutMs)
{
    auto send = [window, controller] {
        controller->newConversation();
        // The same path as a person clicking the sample offer and pressing Enter.
        Q_EMIT window->transcript()->sampleRequested();
        window->composer()->submit();
    };
    if (controller->model())
        QTimer::singleShot(0, window, send);
    else
        QObject::connect(controller, &app::ChatController::modelLoaded, window, send,
                         Qt::SingleShotConnection);
    QObject::connect(controller, &app::ChatController::modelLoadFailed, window,
                     [](const QString &message) { finish(1, "demo run: " + message); });
    QObject::connect(controller, &app::ChatController::errorOccurred, window,
                     [](const QString &message) { finish(1, "demo run: " + message); });
    QObject::connect(controller, &app::ChatController::answerFinished, window,
                     [window, screenshot](const app::MessageView &answer) {
                         // Let the last delta and the cache chart paint before grabbing.
                         QTimer::singleShot(300, window, [window, screenshot, answer] {
                             if (!window->grab().save(screenshot))
                                 return finish(1, "demo run: cannot write " + screenshot);
                             finish(0, answer.text);
                         });
                     });
    QTimer::singleShot(timeoutMs, window, [] { finish(2, "demo run: timed out"); });
}

} // namespace ec::ui
