#include "ui/cache_panel.h"

#include "ui/cache_chart.h"
#include "ui/format.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

namespace ec::ui {

CachePanel::CachePanel(QWidget *parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("cachePanel"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 10, 10, 10);

    auto *title = new QLabel(tr("<b>KV cache</b>"), this);
    layout->addWidget(title);

    auto *form = new QFormLayout;
    m_policy = new QComboBox(this);
    m_policy->setObjectName(QStringLiteral("policyCombo"));
    m_policy->setAccessibleName(tr("Cache policy"));
    for (cache::PolicyKind kind : cache::kPolicyKinds)
        m_policy->addItem(app::policyTitle(kind), QString::fromLatin1(cache::policyName(kind)));
    m_policy->setToolTip(tr("How the cache is kept within the budget after every prompt."));
    connect(m_policy, &QComboBox::currentIndexChanged, this, [this] {
        if (!m_updating)
            if (auto kind = cache::policyKindFromName(m_policy->currentData().toString().toStdString()))
                Q_EMIT policyChanged(*kind);
    });
    form->addRow(tr("Policy"), m_policy);
    layout->addLayout(form);

    auto *sliderTitle = new QLabel(tr("Memory budget"), this);
    layout->addWidget(sliderTitle);
    m_slider = new BudgetSlider(this);
    m_slider->setObjectName(QStringLiteral("budgetSlider"));
    m_slider->setAccessibleName(tr("Cache memory budget"));
    m_slider->setToolTip(tr("Logarithmic, from a few entries to the full cache. Applies from "
                            "the next compaction; saved with the conversation."));
    m_slider->setRange(0, BudgetScale::kSteps);
    m_slider->setPageStep(BudgetScale::kSteps / 20);
    m_slider->setEnabled(false);
    sliderTitle->setBuddy(m_slider);
    // Saved only when the user lets go (or uses the keyboard), not on every pixel of a drag.
    connect(m_slider, &QSlider::valueChanged, this, [this] {
        updateLabels();
        if (!m_updating && !m_slider->isSliderDown())
            Q_EMIT budgetChanged(sliderBudgetBytes());
    });
    connect(m_slider, &QSlider::sliderReleased, this,
            [this] { Q_EMIT budgetChanged(sliderBudgetBytes()); });
    layout->addWidget(m_slider);

    m_hint = new QLabel(tr("Move left to make the cache compact: the lower half of the scale "
                           "is below what a few turns hold."),
                        this);
    m_hint->setObjectName(QStringLiteral("budgetHint"));
    m_hint->setWordWrap(true);
    m_hint->setStyleSheet(QStringLiteral("color: #586069;"));
    layout->addWidget(m_hint);

    m_budget = new QLabel(this);
    m_budget->setObjectName(QStringLiteral("budgetLabel"));
    m_budget->setWordWrap(true);
    layout->addWidget(m_budget);
    m_hold = new QLabel(this);
    m_hold->setObjectName(QStringLiteral("holdLabel"));
    m_hold->setWordWrap(true);
    layout->addWidget(m_hold);
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("countsLabel"));
    m_counts->setWordWrap(true);
    m_counts->setStyleSheet(QStringLiteral("color: #586069;"));
    layout->addWidget(m_counts);

    m_chart = new CacheChart(this);
    layout->addWidget(m_chart, 1);
    updateLabels();
}

QString CachePanel::budgetText() const
{
    return m_budget->text();
}
QString CachePanel::holdText() const
{
    return m_hold->text();
}
QString CachePanel::countsText() const
{
    return m_counts->text();
}

qint64 CachePanel::sliderBudgetBytes() const
{
    if (!m_slider->isEnabled() || m_slider->value() >= m_slider->maximum())
        return 0;
    // A saved budget reads back as itself until the slider moves, not as its nearest step.
    if (m_slider->value() == m_restoredPosition && m_restoredBytes > 0)
        return m_restoredBytes;
    return scale().bytesAt(m_slider->value());
}

BudgetScale CachePanel::scale() const
{
    return BudgetScale::forCache(m_cache.maxBytes, m_cache.bytesPerToken);
}

QString CachePanel::hintText() const
{
    return m_hint->isHidden() ? QString() : m_hint->text();
}

void CachePanel::setCache(const app::CacheView &cache)
{
    m_updating = true;
    m_cache = cache;
    int index = m_policy->findData(QString::fromLatin1(cache::policyName(cache.choice.policy)));
    if (index >= 0)
        m_policy->setCurrentIndex(index);
    bool known = cache.maxBytes > 0;
    m_slider->setEnabled(known && cache.choice.compacts());
    if (known) {
        m_restoredBytes = cache.choice.budgetBytes;
        m_restoredPosition = scale().positionOf(cache.choice.budgetBytes);
        m_slider->setValue(m_restoredPosition);
    }
    m_slider->setHeldMarker(known && cache.heldBytes > 0 ? scale().positionOf(cache.heldBytes)
                                                         : -1);
    // The hint until the first budget is set.
    m_hint->setVisible(m_slider->isEnabled() && cache.choice.budgetBytes <= 0);
    m_updating = false;
    updateLabels();
}

void CachePanel::setTurns(const QList<app::TurnMetrics> &turns)
{
    m_chart->setTurns(turns);
    if (turns.isEmpty()) {
        m_counts->setText(tr("No turns yet in this conversation."));
        return;
    }
    const app::TurnMetrics &last = turns.last();
    qint64 merged = 0, evicted = 0;
    for (const app::TurnMetrics &t : turns) {
        merged += t.merged;
        evicted += t.evicted;
    }
    m_counts->setText(tr("Last turn: %1 merged, %2 evicted, compaction %3 ms.\n"
                         "Conversation: %4 merged, %5 evicted.")
                          .arg(formatCount(last.merged), formatCount(last.evicted))
                          .arg(last.compactionMs, 0, 'f', 1)
                          .arg(formatCount(merged), formatCount(evicted)));
}

void CachePanel::updateLabels()
{
    const app::CacheView &c = m_cache;
    if (c.maxBytes <= 0) {
        m_budget->setText(tr("Load a model to set the budget."));
        m_hold->clear();
        return;
    }
    // The choice as the slider shows it now (it may be ahead of the controller while dragged).
    const cache::CacheChoice choice{c.choice.policy, sliderBudgetBytes()};
    const qint64 budget = choice.budgetBytes;
    const bool full = !choice.compacts();
    if (!choice.capped()) {
        m_budget->setText(
            full ? tr("Full cache: no compaction (up to %1 at %2 tokens).")
                       .arg(formatBytes(c.maxBytes))
                       .arg(c.bytesPerToken ? c.maxBytes / c.bytesPerToken : 0)
                 : tr("No limit · 100% of the full cache (%1).").arg(formatBytes(c.maxBytes)));
    } else {
        double percent = 100.0 * double(budget) / double(c.maxBytes);
        m_budget->setText(tr("%1 · %2% of the full cache (%3) · about %4 entries")
                              .arg(formatBytes(budget))
                              .arg(percent, 0, 'f', percent < 10 ? 1 : 0)
                              .arg(formatBytes(c.maxBytes))
                              .arg(formatCount(choice.entryCap(c.bytesPerToken))));
    }
    if (c.fullBytes <= 0) {
        m_hold->setText(tr("This conversation holds nothing yet."));
        return;
    }
    const qint64 wouldHold = choice.bytesAfterCompaction(c.heldBytes);
    m_hold->setText(tr("Holds %1 (%2 entries) of %3 uncompacted.\nNext turn starts from %4.")
                        .arg(formatBytes(c.heldBytes), formatCount(c.heldEntries),
                             formatBytes(c.fullBytes), formatBytes(wouldHold)));
}

} // namespace ec::ui
