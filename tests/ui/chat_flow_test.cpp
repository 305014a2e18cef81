// A turn end to end through the real window: streaming into the transcript, history writes,
// Stop, Regenerate, edit-and-resend, thumbnails.
#include "app/history/history_store.h"
#include "ui/attachment_strip.h"
#include "ui/composer.h"
#include "ui/image_thumbnail.h"
#include "ui/message_widget.h"
#include "ui/prompt_edit.h"
#include "lab/doubles/screenshot_tour.h"
#include "ui/transcript_view.h"
#include "ui_test_support.h"

#include <QDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

namespace {
history::ConversationDetail stored(WindowFixture &f)
{
    // A second store on the same file: what another process would read.
    history::HistoryStore store(f.controller->historyPath().toStdString());
    return store.readConversation(f.controller->currentConversationId());
}

app::ScriptedBackendOptions slowLongAnswers(int delayMs)
{
    app::ScriptedBackendOptions o;
    o.tokenDelay = std::chrono::milliseconds(delayMs);
    o.answer = [](const app::BackendTurn &) {
        std::string text;
        for (int i = 0; i < 300; ++i)
            text += "word" + std::to_string(i) + " ";
        return text;
    };
    return o;
}
} // namespace

TEST(ChatFlow, QuestionWithImageStreamsIntoTranscriptAndHistory)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    QSignalSpy deltas(f.controller.get(), &app::ChatController::answerDelta);
    ASSERT_TRUE(f.sendAndWait("What is in this picture?", {ui::sampleImage(640, 480)}));

    // Streamed: many deltas, not one block at the end.
    EXPECT_GE(deltas.count(), 5);
    auto widgets = f.window->transcript()->messageWidgets();
    ASSERT_EQ(widgets.size(), 2);
    EXPECT_EQ(widgets[0]->role(), app::MessageRole::User);
    EXPECT_EQ(widgets[0]->findChildren<ui::ImageThumbnail *>().size(), 1);
    ui::MessageWidget *answer = widgets[1];
    EXPECT_EQ(answer->status(), app::AnswerStatus::Complete);
    // The scripted engine reads the image size; the answer must be about this image.
    EXPECT_TRUE(answer->text().contains("640 x 480")) << answer->text().toStdString();
    EXPECT_TRUE(answer->footerText().contains("tok/s")) << answer->footerText().toStdString();
    EXPECT_TRUE(answer->footerText().contains("after turn"));

    history::ConversationDetail detail = stored(f);
    ASSERT_EQ(detail.messages.size(), 2u);
    const history::Message &user = detail.messages[0];
    EXPECT_EQ(user.text, "What is in this picture?");
    ASSERT_EQ(user.attachments.size(), 1u);
    EXPECT_EQ(user.attachments[0].width, 640);
    EXPECT_EQ(user.attachments[0].height, 480);
    const history::Message &storedAnswer = detail.messages[1];
    EXPECT_EQ(storedAnswer.status, history::MessageStatus::Complete);
    EXPECT_EQ(QString::fromStdString(storedAnswer.text), answer->text());
    ASSERT_TRUE(storedAnswer.stats.has_value());
    EXPECT_GT(storedAnswer.stats->entriesAfter, 576); // the image's tokens are in the cache
    EXPECT_EQ(storedAnswer.stats->policy, "elastic");
    EXPECT_GT(storedAnswer.completionTokens.value_or(0), 5);
    EXPECT_EQ(detail.conversation.title, "What is in this picture?");
}

TEST(ChatFlow, ThumbnailClickEnlarges)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    ASSERT_TRUE(f.sendAndWait("Look", {ui::sampleImage(300, 200)}));
    auto thumbs = f.window->transcript()->findChildren<ui::ImageThumbnail *>();
    ASSERT_EQ(thumbs.size(), 1);
    QTest::mouseClick(thumbs[0], Qt::LeftButton);
    auto *viewer = f.window->findChild<QDialog *>("imageViewer");
    ASSERT_NE(viewer, nullptr);
    EXPECT_TRUE(viewer->isVisible());
    EXPECT_TRUE(viewer->windowTitle().contains("300 x 200"));
}

TEST(ChatFlow, StopEndsWithinOneTokenAndMarksCancelled)
{
    WindowFixture f(slowLongAnswers(30));
    ASSERT_TRUE(f.loadModel());
    auto *edit = f.window->composer()->edit();
    QTest::keyClicks(edit, "Tell me a long story");
    QTest::keyClick(edit, Qt::Key_Return);
    ASSERT_TRUE(f.controller->isGenerating());
    ASSERT_TRUE(waitFor([&] { return f.counter->tokens.load() >= 5; }));
    EXPECT_TRUE(f.window->composer()->stopButton()->isVisible());
    QTest::mouseClick(f.window->composer()->stopButton(), Qt::LeftButton);
    int atStop = f.counter->tokens.load();
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }, 3000));

    // At most the token that was being produced when Stop was pressed.
    EXPECT_LE(f.counter->tokens.load(), atStop + 1);
    history::ConversationDetail detail = stored(f);
    ASSERT_EQ(detail.messages.size(), 2u);
    EXPECT_EQ(detail.messages[1].status, history::MessageStatus::Cancelled);
    EXPECT_LE(detail.messages[1].completionTokens.value_or(999), atStop + 1);
    ui::MessageWidget *answer = f.window->transcript()->messageWidgets().last();
    EXPECT_EQ(answer->status(), app::AnswerStatus::Cancelled);
    EXPECT_EQ(answer->statusText(), "Cancelled");
    EXPECT_FALSE(f.window->composer()->stopButton()->isVisible());

    // Still usable: the next turn runs (Esc stops it too).
    QTest::keyClicks(edit, "Shorter please");
    QTest::keyClick(edit, Qt::Key_Return);
    ASSERT_TRUE(f.controller->isGenerating());
    ASSERT_TRUE(waitFor([&] { return f.counter->tokens.load() >= atStop + 4; }));
    QTest::keyClick(f.window.get(), Qt::Key_Escape);
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }, 3000));
    EXPECT_EQ(stored(f).messages.size(), 4u);
    EXPECT_EQ(stored(f).messages[3].status, history::MessageStatus::Cancelled);
}

TEST(ChatFlow, RegenerateReplacesTheLastAnswer)
{
    app::ScriptedBackendOptions options;
    auto calls = std::make_shared<std::atomic<int>>(0);
    options.answer = [calls](const app::BackendTurn &user) {
        return "answer " + std::to_string(++*calls) + " to " + user.text;
    };
    WindowFixture f(options);
    ASSERT_TRUE(f.loadModel());
    ASSERT_TRUE(f.sendAndWait("First question"));
    ASSERT_TRUE(f.sendAndWait("Second question"));
    auto *button = f.window->transcript()->messageWidgets().last()->findChild<QPushButton *>(
        "regenerateButton");
    ASSERT_NE(button, nullptr);
    ASSERT_TRUE(button->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }));
    auto detail = stored(f);
    ASSERT_EQ(detail.messages.size(), 4u);
    EXPECT_EQ(detail.messages[2].text, "Second question");
    EXPECT_EQ(detail.messages[1].text, "answer 1 to First question");
    EXPECT_EQ(detail.messages[3].text, "answer 3 to Second question"); // not answer 2
    EXPECT_EQ(detail.messages[3].status, history::MessageStatus::Complete);
    EXPECT_EQ(f.window->transcript()->messageWidgets().size(), 4);
}

TEST(ChatFlow, EditAndResendReplacesTheLastTurn)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    ASSERT_TRUE(f.sendAndWait("Frist question", {ui::sampleImage(64, 64)}));
    auto *edit =
        f.window->transcript()->messageWidgets().first()->findChild<QPushButton *>("editButton");
    ASSERT_NE(edit, nullptr);
    QTest::mouseClick(edit, Qt::LeftButton);
    ui::Composer *composer = f.window->composer();
    EXPECT_TRUE(composer->isEditing());
    EXPECT_EQ(composer->edit()->toPlainText(), "Frist question");
    EXPECT_EQ(composer->attachments()->images().size(), 1); // the image comes back too
    composer->edit()->setPlainText("First question");
    QTest::keyClick(composer->edit(), Qt::Key_Return);
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }));
    auto detail = stored(f);
    ASSERT_EQ(detail.messages.size(), 2u);
    EXPECT_EQ(detail.messages[0].text, "First question");
    EXPECT_EQ(detail.messages[0].attachments.size(), 1u);
    EXPECT_FALSE(composer->isEditing());
}

TEST(ChatFlow, SendWithoutModelExplains)
{
    WindowFixture f;
    auto *edit = f.window->composer()->edit();
    QTest::keyClicks(edit, "Hello?");
    QTest::keyClick(edit, Qt::Key_Return);
    EXPECT_FALSE(f.controller->isGenerating());
    EXPECT_TRUE(f.window->errorText().contains("Load a model"));
    EXPECT_EQ(edit->toPlainText(), "Hello?"); // nothing lost
}

TEST(ChatFlow, FooterCountsTokensInTheSingularAndGivesARateFromTwoOn)
{
    ec::test::app();
    app::MessageView message;
    message.role = app::MessageRole::Assistant;
    message.text = "Yes.";
    app::TurnMetrics m;
    m.decodeTokens = 1;
    m.decodeMs = 200;
    m.entriesAfter = 90;
    message.metrics = m;
    const QString one = ui::MessageWidget(message).footerText();
    EXPECT_TRUE(one.startsWith("1 token  ·")) << one.toStdString();
    EXPECT_FALSE(one.contains("tok/s")) << one.toStdString();

    message.metrics->decodeTokens = 3;
    message.metrics->decodeMs = 100;
    const QString three = ui::MessageWidget(message).footerText();
    EXPECT_TRUE(three.startsWith("3 tokens · 30.0 tok/s")) << three.toStdString();
}
