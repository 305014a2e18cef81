// The window on the real engine with the demo model that ships in resources/models/demo: the
// first-run sample offer, and a question about a demo scene answered, shown and stored. The
// question is the count question of resources/samples/demo-scenes.json (picked with the sample
// scenes, before the model existed); the model's overall accuracy is in its card and in
// tests/lab/demo_model_test.cpp.
#include "app/chat/engine_backend.h"
#include "app/history/history_store.h"
#include "ui/attachment_strip.h"
#include "ui/budget_scale.h"
#include "ui/cache_panel.h"
#include "ui/format.h"
#include "ui/composer.h"
#include "ui/prompt_edit.h"
#include "ui/message_widget.h"
#include "ui/transcript_view.h"
#include "ui_test_support.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QSlider>
#include <QTest>
#include <gtest/gtest.h>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

namespace {

const QString kResources = QStringLiteral(EC_TEST_SOURCE_DIR) + "/resources";

QJsonObject sampleScene(const QString &image)
{
    QFile file(kResources + "/samples/demo-scenes.json");
    if (!file.open(QIODevice::ReadOnly))
        return {};
    for (const auto &scene : QJsonDocument::fromJson(file.readAll()).array())
        if (scene.toObject()["image"].toString() == image)
            return scene.toObject();
    return {};
}

// The window on the real engine: CPU, one thread, answers of at most `maxTokens`.
void useCpuEngine(WindowFixture &f, int maxTokens)
{
    app::ChatSettings settings = f.controller->settings();
    settings.device = "cpu";
    settings.threads = 1;
    settings.maxTokens = maxTokens;
    f.controller->applySettings(settings);
}

} // namespace

TEST(DemoModelWindow, AnswersTheCountOfASampleSceneAndStoresIt)
{
    const QString model = kResources + "/models/demo";
    if (!QFileInfo::exists(model + "/config.json"))
        GTEST_SKIP() << "no demo model in resources/models/demo";
    WindowFixture f([] { return app::makeEngineBackend(); }, {});
    useCpuEngine(f, 16);

    // The empty window offers a demo scene with the description prompt.
    f.controller->newConversation();
    auto *offer = f.window->transcript()->findChild<QPushButton *>("sampleButton");
    ASSERT_NE(offer, nullptr);
    ASSERT_TRUE(waitFor([&] { return offer->isVisible(); }));
    QTest::mouseClick(offer, Qt::LeftButton);
    ASSERT_EQ(f.window->composer()->attachments()->images().size(), 1);
    EXPECT_EQ(f.window->composer()->edit()->toPlainText(), "Describe the image in detail.");
    f.window->composer()->clearInput();

    f.controller->loadModel(model);
    ASSERT_TRUE(waitFor([&] { return f.controller->isModelLoaded(); }, 60000));
    const QJsonObject scene = sampleScene("demo-scene-6.png");
    ASSERT_EQ(scene["question"].toString(), "How many objects are there?");
    const QImage image(kResources + "/samples/demo-scene-6.png");
    ASSERT_FALSE(image.isNull());
    ASSERT_TRUE(f.sendAndWait(scene["question"].toString(), {image}));

    const QString truth = scene["answer"].toString();
    const app::MessageView answer = f.controller->messages().last();
    EXPECT_EQ(answer.role, app::MessageRole::Assistant);
    EXPECT_EQ(answer.text.trimmed(), truth);
    EXPECT_EQ(f.window->transcript()->messageWidgets().last()->text().trimmed(), truth);

    history::HistoryStore store(f.controller->historyPath().toStdString());
    const auto detail = store.readConversation(f.controller->currentConversationId());
    ASSERT_EQ(detail.messages.size(), 2u);
    EXPECT_EQ(QString::fromStdString(detail.messages[1].text).trimmed(), truth);
    EXPECT_EQ(detail.messages[0].attachments.size(), 1u);
}

// The slider bites on the model a new user has: a quarter of the way up its (logarithmic)
// scale is below what one described scene holds, so the next turn merges.
TEST(DemoModelWindow, TheLowerHalfOfTheSliderCompactsTheSecondTurn)
{
    const QString model = kResources + "/models/demo";
    if (!QFileInfo::exists(model + "/config.json"))
        GTEST_SKIP() << "no demo model in resources/models/demo";
    WindowFixture f([] { return app::makeEngineBackend(); }, {});
    useCpuEngine(f, 80);
    f.controller->loadModel(model);
    ASSERT_TRUE(waitFor([&] { return f.controller->isModelLoaded(); }, 60000));

    const QImage image(kResources + "/samples/demo-scene-6.png");
    ASSERT_TRUE(f.sendAndWait("Describe the image in detail.", {image}));
    const app::TurnMetrics first = *f.controller->messages().last().metrics;
    EXPECT_EQ(first.merged + first.evicted, 0); // no limit yet

    QSlider *slider = f.window->cachePanel()->budgetSlider();
    ASSERT_TRUE(slider->isEnabled());
    slider->setValue(ui::BudgetScale::kSteps / 4);
    const qint64 budget = f.controller->cacheView().choice.budgetBytes;
    ASSERT_GT(budget, 0);
    EXPECT_LT(budget, first.bytesAfter);

    ASSERT_TRUE(f.sendAndWait("How many objects are there?"));
    const app::TurnMetrics second = *f.controller->messages().last().metrics;
    EXPECT_GT(second.merged, 0); // Elastic merges into anchors
    EXPECT_LE(second.bytesAfter, budget);
    // The panel reports the engine's own count.
    const QString hold = f.window->cachePanel()->holdText();
    EXPECT_TRUE(hold.contains("(" + ui::formatCount(second.entriesAfter) + " entries)"))
        << hold.toStdString() << " vs " << second.entriesAfter;
}
