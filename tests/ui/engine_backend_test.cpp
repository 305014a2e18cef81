// The window on the real engine: a tiny random-weight LLaVA (lab/tiny_model/tiny_model) with the test
// tokenizer. The answers are noise; what is checked is the plumbing: loading with progress,
// streaming, Stop, the budget reaching the real cache, statistics in history, re-encoding.
#include "app/chat/engine_backend.h"
#include "app/history/history_store.h"
#include "lab/tiny_model/tiny_model.h"
#include "lab/doubles/screenshot_tour.h"
#include "ui_test_support.h"

#include <QSettings>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSignalSpy>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

namespace {

// Image 30 px in 2 px patches: 225 image tokens; 2 layers x 2 KV heads x d 8 x f32: 256 B/token.
QString writeTinyLlava(const QString &dir)
{
    tools::TinyModelSpec spec;
    spec.vocabSize = 1536;
    spec.imageTokenId = 1500;
    tools::writeTinyModel(dir.toStdString(), spec);
    QFile::copy(QStringLiteral(EC_TEST_SOURCE_DIR) + "/tests/fixtures/tokenizer/bpe.tokenizer.json",
                dir + "/tokenizer.json");
    return dir;
}

struct EngineFixture : WindowFixture
{
    explicit EngineFixture(QString data = {})
        : WindowFixture([] { return app::makeEngineBackend(); }, data)
    {
        tiny = writeTinyLlava(QFileInfo(dataDir).absolutePath() + "/tiny-llava");
        app::ChatSettings s = controller->settings();
        s.device = "cpu";
        s.threads = 1;
        s.maxTokens = 24;
        controller->applySettings(s);
    }
    bool load()
    {
        controller->loadModel(tiny);
        return waitFor([&] { return controller->isModelLoaded(); }, 60000);
    }
    QString tiny;
};

history::ConversationDetail stored(WindowFixture &f)
{
    history::HistoryStore store(f.controller->historyPath().toStdString());
    return store.readConversation(f.controller->currentConversationId());
}

} // namespace

TEST(EngineBackend, ValidationNamesWhatIsMissing)
{
    QTemporaryDir temp;
    QString dir = writeTinyLlava(temp.filePath("m"));
    auto backend = app::makeEngineBackend();
    EXPECT_EQ(backend->validate(dir.toStdString()), "");
    QFile::remove(dir + "/tokenizer.json");
    EXPECT_NE(backend->validate(dir.toStdString()).find("tokenizer"), std::string::npos);
    QFile config(dir + "/config.json");
    ASSERT_TRUE(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
    config.write(R"({"model_type": "llava", "text_config": {"attention_bias": true}})");
    config.close();
    EXPECT_NE(backend->validate(dir.toStdString()).find("attention_bias"), std::string::npos)
        << backend->validate(dir.toStdString());
}

TEST(EngineWindow, StreamsStopsAndCompactsTheRealCache)
{
    EngineFixture f;
    QSignalSpy progress(f.controller.get(), &app::ChatController::modelLoadProgress);
    ASSERT_TRUE(f.load()) << f.window->errorText().toStdString();
    EXPECT_GE(progress.count(), 3);
    EXPECT_EQ(f.window->findChild<QLabel *>("statusModel")->text(), "Model: tiny-llava");
    EXPECT_TRUE(f.window->findChild<QLabel *>("statusDevice")->text().contains("f32"));
    app::ModelView model = *f.controller->model();
    EXPECT_EQ(model.tokensPerImage, 225);
    EXPECT_EQ(model.bytesPerToken, 256);

    // Turn 1: an image and a question, no budget.
    QSignalSpy deltas(f.controller.get(), &app::ChatController::answerDelta);
    ASSERT_TRUE(f.sendAndWait("What is in this picture?", {ui::sampleImage(64, 48)}));
    app::MessageView first = f.controller->messages().last();
    ASSERT_EQ(first.status, app::AnswerStatus::Complete) << first.error.toStdString();
    ASSERT_TRUE(first.metrics.has_value());
    EXPECT_GT(first.metrics->entriesBefore, 225);
    EXPECT_EQ(first.metrics->merged, 0);
    EXPECT_EQ(first.metrics->bytesAfter, first.metrics->entriesAfter * 256);

    // Turn 2 under a budget of 120 entries: Elastic merges down to it.
    f.controller->setBudgetBytes(120 * 256);
    ASSERT_TRUE(f.sendAndWait("And now?"));
    app::MessageView second = f.controller->messages().last();
    ASSERT_TRUE(second.metrics.has_value());
    EXPECT_GT(second.metrics->merged, 0);
    EXPECT_LE(second.metrics->entriesAfter, 120);
    EXPECT_LT(second.metrics->bytesAfter, first.metrics->bytesAfter);
    auto detail = stored(f);
    ASSERT_EQ(detail.messages.size(), 4u);
    EXPECT_EQ(detail.messages[3].stats->budgetBytes.value_or(0), 120 * 256);
    EXPECT_EQ(detail.messages[3].stats->entriesAfter, second.metrics->entriesAfter);

    // Stop during a long answer.
    app::ChatSettings s = f.controller->settings();
    s.maxTokens = 3000;
    f.controller->applySettings(s);
    ASSERT_TRUE(f.controller->send("Tell me everything", {}));
    int before = int(deltas.count());
    ASSERT_TRUE(waitFor([&] { return deltas.count() >= before + 3; }, 20000));
    f.controller->stop();
    ASSERT_TRUE(waitFor([&] { return !f.controller->isGenerating(); }, 5000));
    app::MessageView stopped = f.controller->messages().last();
    EXPECT_EQ(stopped.status, app::AnswerStatus::Cancelled);
    EXPECT_LT(stopped.metrics->decodeTokens, 3000);
    EXPECT_EQ(stored(f).messages.back().status, history::MessageStatus::Cancelled);
}

TEST(EngineWindow, ReopenedConversationIsReEncoded)
{
    QTemporaryDir shared;
    qint64 entriesAfterFirst = 0;
    {
        EngineFixture f(shared.filePath("data"));
        ASSERT_TRUE(f.load());
        ASSERT_TRUE(f.sendAndWait("Look at this", {ui::sampleImage(64, 48)}));
        entriesAfterFirst = f.controller->messages().last().metrics->entriesAfter;
    }
    EngineFixture f(shared.filePath("data"));
    f.window->restoreSession();
    ASSERT_EQ(f.controller->messages().size(), 2);
    ASSERT_TRUE(waitFor([&] { return f.controller->isModelLoaded(); }, 60000));
    ASSERT_TRUE(f.sendAndWait("Still there?"));
    app::MessageView answer = f.controller->messages().last();
    ASSERT_EQ(answer.status, app::AnswerStatus::Complete) << answer.error.toStdString();
    // The first turn (with its 225 image tokens) was fed again before this one.
    EXPECT_GT(answer.metrics->entriesBefore, entriesAfterFirst);
}

TEST(EngineWindow, QuantizedWeightsFromSettingsLoadSmallerAndAnswer)
{
    EngineFixture f;
    ASSERT_TRUE(f.load()) << f.window->errorText().toStdString();
    const qint64 f32Bytes = f.controller->model()->weightBytes;

    // Settings > Weights q4 reloads the model with 4-bit linear layers.
    app::ChatSettings s = f.controller->settings();
    s.weights = "q4";
    f.controller->applySettings(s);
    ASSERT_TRUE(waitFor([&] { return f.controller->model() && f.controller->model()->weights == "q4"; },
                        60000))
        << f.window->errorText().toStdString();
    EXPECT_EQ(QSettings().value("engine/weights").toString(), "q4");
    const app::ModelView model = *f.controller->model();
    EXPECT_LT(model.weightBytes, f32Bytes / 2) << "q4 keeps the linear layers in 4.5 bits";
    EXPECT_TRUE(f.window->findChild<QLabel *>("statusDevice")->text().contains("q4 weights"))
        << f.window->findChild<QLabel *>("statusDevice")->text().toStdString();
    ASSERT_TRUE(f.sendAndWait("What is in this picture?", {ui::sampleImage(64, 48)}));
    EXPECT_EQ(f.controller->messages().last().status, app::AnswerStatus::Complete)
        << f.controller->messages().last().error.toStdString();
}
