#include "ui/main_window.h"

#include <QApplication>
#include <QLabel>
#include <QTest>
#include <gtest/gtest.h>

namespace {
int argc = 1;
char arg0[] = "test_ui";
char *argv[] = {arg0, nullptr};
} // namespace

TEST(MainWindow, ShowsTitleAndStatus)
{
    QApplication app(argc, argv);
    ec::ui::MainWindow window;
    window.show();
    ASSERT_TRUE(QTest::qWaitForWindowExposed(&window));
    EXPECT_EQ(window.windowTitle(), "Elastic Chat");
    auto *status = window.findChild<QLabel *>("statusModel");
    ASSERT_NE(status, nullptr);
    EXPECT_FALSE(status->text().isEmpty());
}
