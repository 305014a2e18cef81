// The window's skeleton: title, status bar, shortcuts, accessible names, remembered geometry.
#include "ui/cache_panel.h"
#include "ui/composer.h"
#include "ui/conversation_list.h"
#include "ui/prompt_edit.h"
#include "ui_test_support.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QTimer>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;

TEST(MainWindow, ShowsTitleAndStatus)
{
    WindowFixture f;
    EXPECT_EQ(f.window->windowTitle(), "Elastic Chat");
    auto *status = f.window->findChild<QLabel *>("statusModel");
    ASSERT_NE(status, nullptr);
    EXPECT_EQ(status->text(), "No model loaded");
    ASSERT_TRUE(f.loadModel());
    EXPECT_EQ(status->text(), "Model: llava-test");
    auto *device = f.window->findChild<QLabel *>("statusDevice");
    EXPECT_TRUE(device->text().contains("cpu")) << device->text().toStdString();
    EXPECT_TRUE(device->text().contains("f16")) << device->text().toStdString();
    auto *memory = f.window->findChild<QLabel *>("statusMemory");
    EXPECT_TRUE(memory->text().contains("weights")) << memory->text().toStdString();
    // Attaching an image shows what it will cost in the cache (576 tokens x 0.52 MB).
    f.window->composer()->addImage(QImage(8, 8, QImage::Format_RGB32));
    EXPECT_TRUE(memory->text().contains("+ 302 MB for the attached image"))
        << memory->text().toStdString();
}

TEST(MainWindow, ShortcutsAreBound)
{
    WindowFixture f;
    auto shortcut = [&](const char *name) {
        QAction *a = f.window->action(name);
        return a ? a->shortcut().toString() : QString("missing");
    };
    EXPECT_EQ(shortcut("actionNewChat"), QKeySequence(QKeySequence::New).toString());
    EXPECT_EQ(shortcut("actionSend"), "Ctrl+Return");
    EXPECT_EQ(shortcut("actionStop"), "Esc");
    EXPECT_EQ(shortcut("actionSearch"), QKeySequence(QKeySequence::Find).toString());

    // Focus search by its shortcut.
    f.window->composer()->edit()->setFocus();
    QTest::keySequence(f.window.get(), QKeySequence::Find);
    EXPECT_TRUE(
        waitFor([&] { return f.window->conversationList()->searchField()->hasFocus(); }, 2000));
}

TEST(MainWindow, ControlsHaveAccessibleNames)
{
    WindowFixture f;
    const char *names[] = {"promptEdit",           "sendButton",   "stopButton",  "attachButton",
                           "policyCombo",          "budgetSlider", "searchField", "newChatButton",
                           "conversationListView", "transcript"};
    for (const char *name : names) {
        auto *w = f.window->findChild<QWidget *>(name);
        ASSERT_NE(w, nullptr) << name;
        EXPECT_FALSE(w->accessibleName().isEmpty()) << name;
    }
}

TEST(MainWindow, RemembersGeometry)
{
    QRect saved;
    {
        WindowFixture f;
        f.window->setGeometry(40, 50, 1111, 777);
        saved = f.window->geometry();
        f.window->close();
        // A second window over the same settings.
        ec::ui::MainWindow again(f.controller.get());
        EXPECT_EQ(again.size(), saved.size());
    }
}

TEST(MainWindow, EnterSendsShiftEnterAddsLine)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    auto *edit = f.window->composer()->edit();
    edit->setFocus();
    QTest::keyClicks(edit, "line one");
    QTest::keyClick(edit, Qt::Key_Return, Qt::ShiftModifier);
    QTest::keyClicks(edit, "line two");
    EXPECT_EQ(edit->toPlainText(), "line one\nline two");
    EXPECT_FALSE(f.controller->isGenerating());
    QTest::keyClick(edit, Qt::Key_Return);
    EXPECT_TRUE(f.controller->isGenerating());
    EXPECT_TRUE(edit->toPlainText().isEmpty());
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }));
    ASSERT_EQ(f.controller->messages().size(), 2);
    EXPECT_EQ(f.controller->messages()[0].text, "line one\nline two");
}

TEST(MainWindow, StaysResponsiveWhileLoadingAndGenerating)
{
    ec::app::ScriptedBackendOptions slow;
    slow.loadDelay = std::chrono::milliseconds(150); // x4 steps
    slow.tokenDelay = std::chrono::milliseconds(20);
    WindowFixture f(slow);
    int ticks = 0;
    QTimer timer;
    QObject::connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start(10);
    QSignalSpy progress(f.controller.get(), &ec::app::ChatController::modelLoadProgress);
    f.controller->loadModel(f.modelDir);
    EXPECT_TRUE(f.controller->isLoading());
    ASSERT_TRUE(waitFor([&] { return f.controller->isModelLoaded(); }));
    // The GUI thread kept running its timers through a 600 ms load, and saw the progress.
    EXPECT_GE(ticks, 20);
    EXPECT_GE(progress.count(), 4);
    ticks = 0;
    ASSERT_TRUE(f.sendAndWait("Keep the window alive"));
    EXPECT_GE(ticks, 20);
}
