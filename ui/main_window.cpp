#include "ui/main_window.h"

#include <QLabel>
#include <QStatusBar>
#include <QVBoxLayout>

namespace ec::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(tr("Elastic Chat"));
    setObjectName("mainWindow");
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    auto *welcome = new QLabel(tr("Drop an image and ask about it."), central);
    welcome->setObjectName("welcomeLabel");
    welcome->setAlignment(Qt::AlignCenter);
    layout->addWidget(welcome);
    setCentralWidget(central);
    statusModel_ = new QLabel(tr("No model loaded"), this);
    statusModel_->setObjectName("statusModel");
    statusBar()->addPermanentWidget(statusModel_);
    resize(1100, 760);
}

} // namespace ec::ui
