// elastic-chat-lab: the desktop app with the lab's harnesses (never installed).
//   elastic-chat-lab --screenshot DIR  render the main states into DIR/*.png and exit
//   EC_SIMULATED_ENGINE=1 elastic-chat-lab [--demo-run FILE]
//                                      the window on the scripted backend (no model needed)
// Without either it is elastic-chat.
#include "lab/doubles/screenshot_tour.h"
#include "lab/doubles/scripted_backend.h"
#include "ui/app_main.h"

#include <QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("Elastic Chat");
    QApplication::setOrganizationName("elastic-chat");
    const QStringList args = QApplication::arguments();
    if (int i = args.indexOf("--screenshot"); i >= 0)
        return ec::ui::runScreenshotTour(i + 1 < args.size() ? args[i + 1] : "docs/screenshots");
    ec::app::BackendFactory backend;
    if (qEnvironmentVariableIntValue("EC_SIMULATED_ENGINE") != 0)
        backend = [] { return std::make_unique<ec::app::ScriptedBackend>(); };
    return ec::ui::runMainWindow(args, std::move(backend));
}
