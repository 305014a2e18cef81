// The conversation list (new, rename, delete, search) and reopening in a new process.
#include "app/history/history_store.h"
#include "ui/cache_chart.h"
#include "ui/cache_panel.h"
#include "ui/conversation_list.h"
#include "ui/image_thumbnail.h"
#include "ui/message_widget.h"
#include "lab/doubles/screenshot_tour.h"
#include "ui/transcript_view.h"
#include "ui_test_support.h"

#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QSlider>
#include <QTest>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

namespace {
QStringList titles(ui::ConversationList *list)
{
    QStringList out;
    for (int i = 0; i < list->list()->count(); ++i)
        out << list->list()->item(i)->text();
    return out;
}
} // namespace

TEST(Conversations, NewRenameSearchDelete)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    ui::ConversationList *list = f.window->conversationList();
    ASSERT_TRUE(f.sendAndWait("Apples and pears"));
    qint64 first = f.controller->currentConversationId();
    QTest::keySequence(f.window.get(), QKeySequence::New); // Ctrl+N
    EXPECT_EQ(f.controller->currentConversationId(), 0);
    EXPECT_TRUE(f.window->transcript()->messageWidgets().isEmpty());
    ASSERT_TRUE(f.sendAndWait("Bananas only"));
    qint64 second = f.controller->currentConversationId();
    EXPECT_NE(first, second);
    EXPECT_EQ(titles(list), QStringList({"Bananas only", "Apples and pears"}));

    // Rename inline: the edited item is saved.
    list->list()->item(1)->setText("Fruit basket");
    EXPECT_TRUE(waitFor(
        [&] {
            return titles(list) ==
                   QStringList({"Fruit basket", "Bananas only"}); // renamed moves up
        },
        3000))
        << titles(list).join(", ").toStdString();
    history::HistoryStore store(f.controller->historyPath().toStdString());
    EXPECT_EQ(store.conversation(first)->title, "Fruit basket");

    // Search by message text.
    QTest::keyClicks(list->searchField(), "pears");
    EXPECT_EQ(titles(list), QStringList({"Fruit basket"}));
    list->searchField()->clear();
    EXPECT_EQ(list->list()->count(), 2);

    // Open the first by clicking it.
    QListWidgetItem *item = list->list()->findItems("Fruit basket", Qt::MatchExactly).value(0);
    ASSERT_NE(item, nullptr);
    QRect rect = list->list()->visualItemRect(item);
    QTest::mouseClick(list->list()->viewport(), Qt::LeftButton, {}, rect.center());
    ASSERT_TRUE(waitFor([&] { return f.controller->currentConversationId() == first; }, 3000));
    ASSERT_EQ(f.window->transcript()->messageWidgets().size(), 2);
    EXPECT_EQ(f.window->transcript()->messageWidgets()[0]->text(), "Apples and pears");

    // Delete the open one: it goes from the list and from the store.
    // The list was rebuilt when the conversation opened: the open one is selected.
    ASSERT_NE(list->list()->currentItem(), nullptr);
    EXPECT_EQ(list->list()->currentItem()->text(), "Fruit basket");
    list->deleteSelected(false);
    EXPECT_EQ(titles(list), QStringList({"Bananas only"}));
    EXPECT_FALSE(store.conversation(first).has_value());
    EXPECT_EQ(f.controller->currentConversationId(), 0);
}

// The child half of NewProcessShowsThePreviousConversation: runs only when started by it.
TEST(Conversations, ReopenChild)
{
    QByteArray dir = qgetenv("EC_TEST_REOPEN_DIR");
    if (dir.isEmpty())
        GTEST_SKIP() << "started by NewProcessShowsThePreviousConversation";
    WindowFixture f(app::ScriptedBackendOptions{}, QString::fromUtf8(dir));
    f.window->restoreSession();
    ASSERT_EQ(f.controller->currentConversationId(), qgetenv("EC_TEST_REOPEN_ID").toLongLong());
    auto widgets = f.window->transcript()->messageWidgets();
    ASSERT_EQ(widgets.size(), 4);
    EXPECT_EQ(widgets[0]->text(), "What is in this picture?");
    EXPECT_EQ(widgets[0]->findChildren<ui::ImageThumbnail *>().size(), 1);
    EXPECT_EQ(widgets[0]->findChild<ui::ImageThumbnail *>()->image().width(), 320);
    EXPECT_EQ(widgets[1]->text(), QString::fromUtf8(qgetenv("EC_TEST_REOPEN_ANSWER")));
    EXPECT_TRUE(widgets[1]->footerText().contains("tok/s"));
    EXPECT_EQ(widgets[3]->status(), app::AnswerStatus::Cancelled);
    EXPECT_EQ(f.window->cachePanel()->chart()->turnCount(), 2);
    // The model comes back too, and the conversation continues (history re-encoded).
    ASSERT_TRUE(waitFor([&] { return f.controller->isModelLoaded(); }));
    // As saved, not the nearest step of the slider.
    EXPECT_EQ(f.window->cachePanel()->sliderBudgetBytes(), 300 * 1000 * 1000);
    ASSERT_TRUE(f.sendAndWait("And one more?"));
    app::TurnMetrics m = *f.controller->messages().last().metrics;
    EXPECT_GT(m.entriesBefore, 576); // the image from before is in the cache again
}

TEST(Conversations, NewProcessShowsThePreviousConversation)
{
    QTemporaryDir shared;
    QString answer;
    qint64 id = 0;
    {
        WindowFixture f(app::ScriptedBackendOptions{}, shared.filePath("data"));
        ASSERT_TRUE(f.loadModel());
        ASSERT_TRUE(f.sendAndWait("What is in this picture?", {ui::sampleImage(320, 240)}));
        answer = f.controller->messages().last().text;
        f.controller->setBudgetBytes(300 * 1000 * 1000);
        ASSERT_TRUE(f.controller->send("Stop me", {}));
        f.controller->stop();
        ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }));
        id = f.controller->currentConversationId();
    }
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("EC_TEST_REOPEN_DIR", shared.filePath("data"));
    env.insert("EC_TEST_REOPEN_ID", QString::number(id));
    env.insert("EC_TEST_REOPEN_ANSWER", answer);
    env.insert("QT_QPA_PLATFORM", "offscreen");
    child.setProcessEnvironment(env);
    child.setProcessChannelMode(QProcess::MergedChannels);
    child.start(QCoreApplication::applicationFilePath(),
                {"--gtest_filter=Conversations.ReopenChild"});
    ASSERT_TRUE(child.waitForFinished(60000));
    QString output = QString::fromLocal8Bit(child.readAll());
    EXPECT_EQ(child.exitCode(), 0) << output.toStdString();
    EXPECT_TRUE(output.contains("[  PASSED  ] 1 test")) << output.toStdString();
}

TEST(Conversations, AnswerCutOffByACrashIsMarkedIncomplete)
{
    QTemporaryDir shared;
    QDir().mkpath(shared.filePath("data"));
    qint64 id = 0;
    {
        // What a process that died mid-answer leaves behind.
        history::HistoryStore store(shared.filePath("data/history.db").toStdString());
        history::NewConversation info;
        info.title = "Interrupted";
        id = store.createConversation(info);
        store.appendUserTurn(id, "Go on");
        history::AnswerWriter writer = store.beginAnswer(id);
        writer.append("Half an ans");
    }
    WindowFixture f(app::ScriptedBackendOptions{}, shared.filePath("data"));
    f.controller->openConversation(id);
    auto widgets = f.window->transcript()->messageWidgets();
    ASSERT_EQ(widgets.size(), 2);
    EXPECT_EQ(widgets[1]->text(), "Half an ans");
    EXPECT_EQ(widgets[1]->status(), app::AnswerStatus::Incomplete);
    EXPECT_TRUE(widgets[1]->statusText().startsWith("Incomplete"));
}

TEST(Conversations, ExportAndImportRoundTrip)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    ASSERT_TRUE(f.sendAndWait("Export me", {ui::sampleImage(50, 40)}));
    qint64 id = f.controller->currentConversationId();
    QString md = f.controller->exportMarkdown(id, f.temp.filePath("export"));
    ASSERT_FALSE(md.isEmpty()) << f.window->errorText().toStdString();
    QFile mdFile(md);
    ASSERT_TRUE(mdFile.open(QIODevice::ReadOnly));
    EXPECT_TRUE(mdFile.readAll().contains("Export me"));

    QString json = f.temp.filePath("conversation.json");
    ASSERT_TRUE(f.controller->exportJson(id, json));
    qint64 imported = f.controller->importJson(json);
    ASSERT_GT(imported, 0) << f.window->errorText().toStdString();
    EXPECT_NE(imported, id);
    EXPECT_EQ(f.window->conversationList()->list()->count(), 2);
    f.controller->openConversation(imported);
    auto widgets = f.window->transcript()->messageWidgets();
    ASSERT_EQ(widgets.size(), 2);
    EXPECT_EQ(widgets[0]->text(), "Export me");
    EXPECT_EQ(widgets[0]->findChildren<ui::ImageThumbnail *>().size(), 1);
    EXPECT_FALSE(widgets[1]->footerText().isEmpty()); // statistics came along

    // A file that is not an export is refused with a message.
    QFile bad(f.temp.filePath("bad.json"));
    ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
    bad.write("{\"hello\": 1}");
    bad.close();
    EXPECT_EQ(f.controller->importJson(bad.fileName()), 0);
    EXPECT_TRUE(f.window->errorText().startsWith("Import failed"))
        << f.window->errorText().toStdString();
}
