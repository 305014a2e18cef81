#include "ui/app_main.h"

#include "app/chat/chat_controller.h"
#include "app/paths.h"
#include "ui/demo_run.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QDir>
#include <cstdio>

namespace ec::ui {

int runMainWindow(const QStringList &args, app::BackendFactory backend)
{
    app::ChatController::Options options;
    options.backendFactory = std::move(backend);
    app::ChatController controller(options);
    MainWindow window(&controller);
    window.show();
    // First run: the demo model that ships with the app, when there is one.
    QString demo = QString::fromStdString((app::resourcesDirectory() / "models" / "demo").string());
    const bool haveDemo = QDir(demo).exists("config.json");
    if (int i = args.indexOf("--demo-run"); i >= 0) {
        if (!haveDemo || i + 1 >= args.size()) {
            std::fprintf(stderr, "--demo-run FILE.png: %s\n",
                         haveDemo ? "the screenshot file is missing"
                                  : qPrintable("no demo model at " + demo));
            return 1;
        }
        controller.loadModel(demo);
        startDemoRun(&window, &controller, args[i + 1]);
        return QApplication::exec();
    }
    window.restoreSession(haveDemo ? demo : QString());
    return QApplication::exec();
}

} // namespace ec::ui
