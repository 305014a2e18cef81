// elastic-chat: the desktop application.
//   elastic-chat                  the window, on the libtorch engine
//   elastic-chat --screenshot DIR render the main states into DIR/*.png and exit
// EC_SIMULATED_ENGINE=1 runs the window on the scripted backend (no model needed).
#include "app/chat/chat_controller.h"
#include "app/chat/engine_backend.h"
#include "app/chat/scripted_backend.h"
#include "app/paths.h"
#include "ui/main_window.h"
#include "ui/screenshot_tour.h"

#include <QApplication>
#include <QDir>

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
    window.restoreSession(QDir(demo).exists("config.json") ? demo : QString());
    return QApplication::exec();
}
