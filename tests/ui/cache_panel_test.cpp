// The memory-budget slider and what the cache panel shows, turn by turn.
#include "app/history/history_store.h"
#include "ui/budget_scale.h"
#include "ui/cache_chart.h"
#include "ui/format.h"
#include "ui/cache_panel.h"
#include "ui/message_widget.h"
#include "lab/doubles/screenshot_tour.h"
#include "ui/transcript_view.h"
#include "ui_test_support.h"

#include <QComboBox>
#include <QSet>
#include <QSlider>
#include <QTest>
#include <gtest/gtest.h>

#include <cmath>

using ec::test::waitFor;
using ec::test::WindowFixture;
using namespace ec;

TEST(BudgetScale, IsLogarithmicFromEightEntriesToTheFullCache)
{
    // The demo model (3,072 bytes an entry, 2,048 positions) and a 7B model (512 kB, 4,096).
    for (auto [perToken, positions] : {std::pair<qint64, qint64>{3072, 2048}, {524288, 4096}}) {
        const auto scale = ui::BudgetScale::forCache(perToken * positions, perToken);
        EXPECT_EQ(scale.bytesAt(0), 8 * perToken);
        EXPECT_EQ(scale.bytesAt(ui::BudgetScale::kSteps), 0); // no limit
        EXPECT_EQ(scale.positionOf(0), ui::BudgetScale::kSteps);
        for (int p = 0; p < ui::BudgetScale::kSteps; ++p) {
            EXPECT_LT(scale.bytesAt(p), p + 1 < ui::BudgetScale::kSteps
                                            ? scale.bytesAt(p + 1)
                                            : perToken * positions);
            EXPECT_EQ(scale.positionOf(scale.bytesAt(p)), p) << "position " << p;
        }
        // The middle is the geometric mean of the ends, to three digits.
        const double mid = std::sqrt(8.0 * perToken * perToken * positions);
        EXPECT_NEAR(double(scale.bytesAt(ui::BudgetScale::kSteps / 2)), mid, mid * 0.005);
    }
}

TEST(CachePanel, SliderReadsInBytesAndPercentOfTheFullCache)
{
    WindowFixture f;
    ui::CachePanel *panel = f.window->cachePanel();
    EXPECT_FALSE(panel->budgetSlider()->isEnabled()); // no model: no bytes per token yet
    ASSERT_TRUE(f.loadModel());
    QSlider *slider = panel->budgetSlider();
    EXPECT_TRUE(slider->isEnabled());
    const app::CacheView view = f.controller->cacheView();
    ASSERT_GT(view.maxBytes, 0);
    EXPECT_EQ(slider->value(), slider->maximum()); // no limit at first
    EXPECT_TRUE(panel->budgetText().startsWith("No limit")) << panel->budgetText().toStdString();
    EXPECT_FALSE(panel->hintText().isEmpty());

    slider->setValue(0); // the floor: eight entries
    EXPECT_EQ(f.controller->cacheView().choice.budgetBytes, 8 * view.bytesPerToken);
    EXPECT_TRUE(panel->budgetText().contains("about 8 entries"))
        << panel->budgetText().toStdString();
    EXPECT_TRUE(panel->hintText().isEmpty()); // a budget is set: the hint has done its job

    const auto scale = ui::BudgetScale::forCache(view.maxBytes, view.bytesPerToken);
    slider->setValue(ui::BudgetScale::kSteps / 2);
    const qint64 mid = scale.bytesAt(ui::BudgetScale::kSteps / 2);
    EXPECT_EQ(f.controller->cacheView().choice.budgetBytes, mid);
    const double percent = 100.0 * double(mid) / double(view.maxBytes);
    EXPECT_TRUE(panel->budgetText().startsWith(ui::formatBytes(mid)))
        << panel->budgetText().toStdString();
    const QString shown = QString("%1%").arg(percent, 0, 'f', percent < 10 ? 1 : 0);
    EXPECT_TRUE(panel->budgetText().contains(shown)) << panel->budgetText().toStdString();
}

TEST(CachePanel, MovingTheSliderChangesTheCacheShownAndStoredForTheNextTurn)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    ui::CachePanel *panel = f.window->cachePanel();
    ASSERT_TRUE(f.sendAndWait("Describe this image", {ui::sampleImage()}));
    app::TurnMetrics first = *f.controller->messages().last().metrics;
    EXPECT_EQ(first.merged, 0); // no limit: nothing compacted
    QString holdBefore = panel->holdText();

    // About 100 MB holds ~190 entries of this model, far less than the image's 576.
    ui::BudgetSlider *slider = panel->budgetSlider();
    const app::CacheView view = f.controller->cacheView();
    const auto scale = ui::BudgetScale::forCache(view.maxBytes, view.bytesPerToken);
    const int position = scale.positionOf(100 * 1000 * 1000);
    slider->setFocus();
    slider->setValue(position + 1);
    QTest::keyClick(slider, Qt::Key_Left); // the keyboard path saves too
    EXPECT_EQ(slider->value(), position);
    const qint64 budget = scale.bytesAt(position);
    EXPECT_NEAR(double(budget), 1e8, 5e6);
    EXPECT_EQ(f.controller->cacheView().choice.budgetBytes, budget);
    // Before the turn: what the conversation would hold under the new budget.
    EXPECT_TRUE(panel->holdText().contains("Next turn starts from " + ui::formatBytes(budget)))
        << panel->holdText().toStdString();
    // The mark under the groove stands at what the conversation holds, and is drawn there.
    EXPECT_EQ(slider->heldMarker(), scale.positionOf(f.controller->cacheView().heldBytes));
    const int x = slider->heldMarkerX();
    ASSERT_GE(x, 0);
    const QImage drawn = slider->grab().toImage();
    const QPoint at(int(x * drawn.devicePixelRatio()), drawn.height() - 3);
    EXPECT_EQ(drawn.pixelColor(at).rgb(), ui::BudgetSlider::markerColor().rgb());

    ASSERT_TRUE(f.sendAndWait("And now?"));
    app::MessageView answer = f.controller->messages().last();
    ASSERT_TRUE(answer.metrics.has_value());
    EXPECT_LE(answer.metrics->bytesAfter, budget);
    EXPECT_LT(answer.metrics->bytesAfter, first.bytesAfter);
    EXPECT_GT(answer.metrics->merged, 0); // Elastic merges, it does not drop
    EXPECT_NE(panel->holdText(), holdBefore);
    ui::MessageWidget *widget = f.window->transcript()->messageWidgets().last();
    EXPECT_TRUE(widget->footerText().contains("merged")) << widget->footerText().toStdString();
    EXPECT_EQ(panel->chart()->turnCount(), 2);
    ASSERT_EQ(panel->chart()->afterValues().size(), 2);
    EXPECT_LT(panel->chart()->afterValues()[1], panel->chart()->afterValues()[0]);

    history::HistoryStore store(f.controller->historyPath().toStdString());
    auto detail = store.readConversation(f.controller->currentConversationId());
    ASSERT_EQ(detail.messages.size(), 4u);
    ASSERT_TRUE(detail.messages[3].stats.has_value());
    EXPECT_EQ(detail.messages[3].stats->budgetBytes.value_or(0), budget);
    EXPECT_EQ(detail.messages[3].stats->bytesAfter, answer.metrics->bytesAfter);
    EXPECT_FALSE(detail.messages[1].stats->budgetBytes.has_value());
    // Saved with the conversation.
    EXPECT_EQ(detail.conversation.cache.budgetBytes.value_or(0), budget);
}

// A small model's cache (the demo model's is a few hundred kB) reads in kB with distinct ticks.
TEST(CacheChart, SmallCachesReadInKilobytesWithDistinctTicks)
{
    ec::test::app();
    ui::CacheChart chart;
    app::TurnMetrics first, second;
    first.bytesBefore = 120000, first.bytesAfter = 240000;
    second.bytesBefore = 300000, second.bytesAfter = 180000;
    chart.setTurns({first, second});
    EXPECT_EQ(chart.valueAxisTitle(), "kB");
    EXPECT_EQ(chart.afterValues(), (QList<double>{240.0, 180.0}));
    const QStringList labels = chart.valueAxisLabels();
    ASSERT_GE(labels.size(), 3);
    EXPECT_EQ(QSet<QString>(labels.begin(), labels.end()).size(), labels.size())
        << labels.join(", ").toStdString();

    app::TurnMetrics big = first;
    big.bytesBefore = 700000000, big.bytesAfter = 1500000000; // 1.5 GB
    chart.setTurns({big});
    EXPECT_EQ(chart.valueAxisTitle(), "MB");
    EXPECT_EQ(chart.afterValues(), (QList<double>{1500.0}));
}

TEST(CachePanel, PolicySelectorAppliesToTheNextTurn)
{
    WindowFixture f;
    ASSERT_TRUE(f.loadModel());
    QComboBox *policy = f.window->cachePanel()->policyCombo();
    ASSERT_EQ(policy->count(), 4);
    f.window->cachePanel()->budgetSlider()->setValue(50);
    policy->setCurrentIndex(policy->findData("local"));
    EXPECT_EQ(f.controller->cacheView().choice.policy, ec::cache::PolicyKind::Local);
    ASSERT_TRUE(f.sendAndWait("Hello", {ui::sampleImage(32, 32)}));
    app::TurnMetrics m = *f.controller->messages().last().metrics;
    EXPECT_EQ(m.policy, "local");
    EXPECT_GT(m.evicted, 0); // Local drops what it does not keep
    EXPECT_EQ(m.merged, 0);

    policy->setCurrentIndex(policy->findData("full"));
    EXPECT_FALSE(f.window->cachePanel()->budgetSlider()->isEnabled());
}
