// The Elastic Chat main window: conversation list, transcript, composer and cache panel.
#pragma once

#include <QMainWindow>

class QLabel;

namespace ec::ui {

class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);

private:
    QLabel *statusModel_ = nullptr;
};

} // namespace ec::ui
