// Attaching by drag-and-drop and by paste, copying an answer, Markdown rendering, settings.
#include "ui/attachment_strip.h"
#include "ui/composer.h"
#include "ui/markdown_view.h"
#include "ui/message_widget.h"
#include "ui/prompt_edit.h"
#include "ui/settings_dialog.h"
#include "ui/transcript_view.h"
#include "ui_test_support.h"

#include <QClipboard>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFile>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTest>
#include <QUrl>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

TEST(Composer, DroppedFilesAndPastedImagesBecomeAttachments)
{
    WindowFixture f;
    ui::Composer *composer = f.window->composer();
    QString png = f.temp.filePath("dropped.png");
    ASSERT_TRUE(QImage(40, 30, QImage::Format_RGB32).save(png));
    QString txt = f.temp.filePath("dropped.txt");
    QFile file(txt);
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("text");
    file.close();

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(png), QUrl::fromLocalFile(txt)});
    // What a drag from a file manager delivers: enter (accepted), then drop.
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(composer, &enter);
    EXPECT_TRUE(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(composer, &drop);
    ASSERT_EQ(composer->attachments()->images().size(), 1);
    EXPECT_EQ(composer->attachments()->images()[0].width, 40);
    EXPECT_TRUE(f.window->errorText().contains("dropped.txt")); // refused, and said so

    QImage pasted(16, 12, QImage::Format_RGB32);
    pasted.fill(Qt::red);
    QApplication::clipboard()->setImage(pasted);
    composer->edit()->setFocus();
    composer->edit()->paste();
    ASSERT_EQ(composer->attachments()->images().size(), 2);
    EXPECT_EQ(composer->attachments()->images()[1].width, 16);
    EXPECT_EQ(composer->attachments()->images()[1].mime, "image/png");
    EXPECT_TRUE(composer->edit()->toPlainText().isEmpty()); // no text was pasted

    // Plain text still pastes as text.
    QApplication::clipboard()->setText("hello");
    composer->edit()->paste();
    EXPECT_EQ(composer->edit()->toPlainText(), "hello");
}

TEST(Transcript, AnswersAreMarkdownAndCanBeCopied)
{
    app::ScriptedBackendOptions o;
    o.answer = [](const app::BackendTurn &) {
        return std::string("Some **bold** text:\n\n- first\n- second\n\n```\nint x = 1;\n```\n");
    };
    WindowFixture f(o);
    ASSERT_TRUE(f.loadModel());
    ASSERT_TRUE(f.sendAndWait("Format something"));
    ui::MessageWidget *answer = f.window->transcript()->messageWidgets().last();
    auto *view = answer->findChild<ui::MarkdownView *>("answerText");
    ASSERT_NE(view, nullptr);
    QString rendered = view->document()->toPlainText();
    EXPECT_FALSE(rendered.contains("**")) << rendered.toStdString();
    EXPECT_FALSE(rendered.contains("```"));
    EXPECT_TRUE(rendered.contains("int x = 1;"));
    EXPECT_TRUE(view->toHtml().contains("font-weight:700") || view->toHtml().contains("<b>"));
    // The view grows with its text instead of scrolling.
    EXPECT_GE(view->height(), 4 * view->fontMetrics().height());

    QApplication::clipboard()->clear();
    QTest::mouseClick(answer->findChild<QPushButton *>("copyButton"), Qt::LeftButton);
    EXPECT_EQ(QApplication::clipboard()->text(), answer->text());
    EXPECT_TRUE(answer->text().startsWith("Some **bold**")); // the Markdown source is copied
}

TEST(Settings, DialogRoundTripsAndIsRemembered)
{
    WindowFixture f;
    app::ChatSettings s = f.controller->settings();
    s.temperature = 0.7;
    s.maxTokens = 7;
    s.systemPrompt = "Be brief.";
    ui::SettingsDialog dialog(s);
    app::ChatSettings back = dialog.settings();
    EXPECT_DOUBLE_EQ(back.temperature, 0.7);
    EXPECT_EQ(back.maxTokens, 7);
    EXPECT_EQ(back.systemPrompt, "Be brief.");
    auto *dtype = dialog.findChild<QComboBox *>("dtypeCombo");
    ASSERT_NE(dtype, nullptr);
    dtype->setCurrentText("bf16");
    EXPECT_EQ(dialog.settings().dtype, "bf16");

    f.controller->applySettings(dialog.settings());
    EXPECT_EQ(QSettings().value("engine/maxTokens").toInt(), 7);
    EXPECT_EQ(QSettings().value("engine/dtype").toString(), "bf16");
    // Sampling settings reach the engine: 7 tokens at most.
    ASSERT_TRUE(f.loadModel());
    ASSERT_TRUE(f.sendAndWait("A long answer, please"));
    ASSERT_TRUE(f.controller->messages().last().metrics.has_value());
    EXPECT_EQ(f.controller->messages().last().metrics->decodeTokens, 7);
}
