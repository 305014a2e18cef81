// elastic-chat: the desktop application.
//   elastic-chat                  the window, on the libtorch engine
//   elastic-chat --screenshot DIR render the main states into DIR/*.png and exit
//   elastic-chat --demo-run FILE  ask the demo model about the sample image, save the window to
//                                 FILE, print the answer and exit (ui/demo_run.h)
// EC_SIMULATED_ENGINE=1 runs the window on the scripted backend (no model needed).
#include "app/chat/chat_controller.h"
#include "app/chat/engine_backend.h"
#include "app/chat/scripted_backend.h"
#include "app/paths.h"
#include "ui/demo_run.h"
#include "ui/main_window.h"
#include "ui/screenshot_tour.h"

#include <QApplication>
#include <QDir>

#include <cstdio>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("Elastic Chat");
    QApplication::setOrganizationName("elastic-chat");
    const QStringList args = QApplication::arguments();
    if (int i = args.indexOf("--screenshot"); i >= 0)
        return ec::ui::runScreenshotTour(i + 1 < args.size() ? args[i + 1] : "docs/screenshots");

    ec::app::ChatController::Options options;
    if (qEnvironmentVariableIntValue("EC_SIMULATED_ENGINE") == 0)
        options.backendFactory = [] { return ec::app::makeEngineBackend(); };
    ec::app::ChatController controller(options);
    ec::ui::MainWindow window(&controller);
    window.show();
    // First run: the demo model that ships with the app, when there is one.
    QString demo =
        QString::fromStdString((ec::app::resourcesDirectory() / "models" / "demo").string());
    const bool haveDemo = QDir(demo).exists("config.json");
    if (int i = args.indexOf("--demo-run"); i >= 0) {
        if (!haveDemo || i + 1 >= args.size()) {
            std::fprintf(stderr, "elastic-chat --demo-run FILE.png: %s\n",
                         haveDemo ? "the screenshot file is missing"
                                  : qPrintable("no demo model at " + demo));
            return 1;
        }
        controller.loadModel(demo);
        ec::ui::startDemoRun(&window, &controller, args[i + 1]);
        return QApplication::exec();
    }
    window.restoreSession(haveDemo ? demo : QString());
    return QApplication::exec();
}
