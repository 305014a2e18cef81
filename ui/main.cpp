// elastic-chat: the desktop application.
//   elastic-chat                  the window, on the libtorch engine
//   elastic-chat --demo-run FILE  the GUI's self-check: ask the demo model about the sample
//                                 image, save the window to FILE, print the answer and exit
//                                 (ui/demo_run.h; the installed-package test runs it)
#include "ui/app_main.h"

#include <QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName("Elastic Chat");
    QApplication::setOrganizationName("elastic-chat");
    return ec::ui::runMainWindow(QApplication::arguments(), {});
}
