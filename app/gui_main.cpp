// elastic-chat: the desktop application.
//   elastic-chat                  the window
//   elastic-chat --screenshot DIR render the main states into DIR/*.png and exit
#include "app/chat/chat_controller.h"
#include "ui/main_window.h"
#include "ui/screenshot_tour.h"

#include <QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("Elastic Chat");
    QApplication::setOrganizationName("elastic-chat");
    const QStringList args = QApplication::arguments();
    if (int i = args.indexOf("--screenshot"); i >= 0)
        return ec::ui::runScreenshotTour(i + 1 < args.size() ? args[i + 1] : "docs/screenshots");

    ec::app::ChatController controller({});
    ec::ui::MainWindow window(&controller);
    window.show();
    window.restoreSession();
    return QApplication::exec();
}
