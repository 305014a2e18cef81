// Bad input shows a message and nothing crashes: broken model folders, files that are not images.
#include "ui/attachment_strip.h"
#include "ui/composer.h"
#include "ui_test_support.h"

#include <QFile>
#include <QLabel>
#include <QProgressBar>
#include <QTest>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

namespace {
void expectLoadError(WindowFixture &f, const QString &dir, const QString &expected)
{
    f.window->clearError();
    f.controller->loadModel(dir);
    ASSERT_TRUE(waitFor([&] { return !f.window->errorText().isEmpty(); })) << dir.toStdString();
    EXPECT_TRUE(f.window->errorText().contains(expected))
        << f.window->errorText().toStdString() << " lacks " << expected.toStdString();
    EXPECT_FALSE(f.window->findChild<QProgressBar *>("loadProgress")->isVisible());
}
} // namespace

TEST(Errors, BrokenModelFoldersExplainWhatIsWrong)
{
    WindowFixture f;
    QString empty = f.writeFakeModel("empty", {}, false);
    QFile::remove(empty + "/config.json");
    expectLoadError(f, empty, "config.json is missing");
    expectLoadError(f, f.writeFakeModel("garbage", "{not json"), "not valid JSON");
    expectLoadError(f, f.writeFakeModel("bert", R"({"model_type": "bert"})"), "\"bert\"");
    expectLoadError(f, f.writeFakeModel("noweights", R"({"model_type": "llava"})", false),
                    ".safetensors");
    expectLoadError(f, f.temp.filePath("does-not-exist"), "does not exist");
    EXPECT_FALSE(f.controller->isModelLoaded());
    EXPECT_EQ(f.window->findChild<QLabel *>("statusModel")->text(), "No model loaded");

    // Still usable: a good folder loads and clears the error.
    ASSERT_TRUE(f.loadModel());
    EXPECT_TRUE(f.window->errorText().isEmpty());
    ASSERT_TRUE(f.sendAndWait("Still there?"));
    // A refused folder leaves the loaded model in place.
    expectLoadError(f, empty, "config.json is missing");
    EXPECT_TRUE(f.controller->isModelLoaded());
    EXPECT_EQ(f.window->findChild<QLabel *>("statusModel")->text(), "Model: llava-test");
    ASSERT_TRUE(f.sendAndWait("And still?"));
}

TEST(Errors, NonImageFilesAreRefusedWithAMessage)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    QString text = f.temp.filePath("notes.txt");
    QString disguised = f.temp.filePath("photo.png"); // a text file with an image's name
    for (const QString &path : {text, disguised}) {
        QFile file(path);
        ASSERT_TRUE(file.open(QIODevice::WriteOnly));
        file.write("just some text, not pixels\n");
    }
    QString good = f.temp.filePath("good.png");
    ASSERT_TRUE(QImage(20, 10, QImage::Format_RGB32).save(good));

    f.window->composer()->addFiles({text});
    EXPECT_TRUE(f.window->errorText().contains("notes.txt")) << f.window->errorText().toStdString();
    EXPECT_TRUE(f.window->errorText().contains("not an image"));
    f.window->composer()->addFiles({disguised, good});
    EXPECT_TRUE(f.window->errorText().contains("photo.png"));
    ASSERT_EQ(f.window->composer()->attachments()->images().size(), 1);
    EXPECT_EQ(f.window->composer()->attachments()->images()[0].width, 20);

    // The good one can be removed before sending.
    auto *remove = f.window->composer()->attachments()->findChild<QWidget *>("removeAttachment");
    ASSERT_NE(remove, nullptr);
    QTest::mouseClick(remove, Qt::LeftButton);
    EXPECT_TRUE(f.window->composer()->attachments()->images().isEmpty());
    ASSERT_TRUE(f.sendAndWait("Works after the error"));
}

TEST(Errors, EngineFailureMarksTheAnswerFailed)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    app::ImageAttachment broken;
    broken.bytes = "xx";
    broken.mime = "image/png"; // width 0: the engine refuses it
    ASSERT_TRUE(f.controller->send("bad image", {broken}));
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }));
    EXPECT_EQ(f.controller->messages().last().status, app::AnswerStatus::Failed);
    EXPECT_TRUE(f.window->errorText().contains("could not be decoded"));
    ASSERT_TRUE(f.sendAndWait("Next one works"));
    EXPECT_EQ(f.controller->messages().last().status, app::AnswerStatus::Complete);
}
