// elastic-chat: the desktop application.
#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("Elastic Chat");
    QApplication::setOrganizationName("elastic-chat");
    ec::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
