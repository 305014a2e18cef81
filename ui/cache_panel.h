// The cache panel: policy, the memory-budget slider (logarithmic, ui/budget_scale.h; the budget
// in bytes and as % of the full cache), what the conversation holds and would hold,
// merged/evicted counts and the per-turn chart.
#pragma once

#include "app/chat/chat_types.h"
#include "ui/budget_scale.h"
#include "ui/budget_slider.h"

#include <QFrame>

class QComboBox;
class QLabel;

namespace ec::ui {

class CacheChart;

class CachePanel : public QFrame
{
    Q_OBJECT

public:
    explicit CachePanel(QWidget *parent = nullptr);

    void setCache(const app::CacheView &cache);
    void setTurns(const QList<app::TurnMetrics> &turns);

    QComboBox *policyCombo() const { return m_policy; }
    BudgetSlider *budgetSlider() const { return m_slider; }
    CacheChart *chart() const { return m_chart; }
    QString budgetText() const;
    QString holdText() const;
    QString countsText() const;
    QString hintText() const; // empty once a budget is set
    // The budget the slider position stands for (0 = no limit).
    qint64 sliderBudgetBytes() const;

Q_SIGNALS:
    void policyChanged(ec::cache::PolicyKind policy);
    void budgetChanged(qint64 bytes);

private:
    void updateLabels();
    BudgetScale scale() const;

    app::CacheView m_cache;
    QComboBox *m_policy = nullptr;
    BudgetSlider *m_slider = nullptr;
    QLabel *m_budget = nullptr;
    QLabel *m_hold = nullptr;
    QLabel *m_counts = nullptr;
    QLabel *m_hint = nullptr;
    CacheChart *m_chart = nullptr;
    bool m_updating = false;
    qint64 m_restoredBytes = 0; // the budget setCache was given, at m_restoredPosition
    int m_restoredPosition = -1;
};

} // namespace ec::ui
