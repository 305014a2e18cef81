// Cache size per turn, before and after compaction (Qt Charts), in bytes or in entries.
#pragma once

#include "app/chat/chat_types.h"

#include <QWidget>

class QComboBox;
class QChartView;
class QChart;

namespace ec::ui {

class CacheChart : public QWidget
{
    Q_OBJECT

public:
    explicit CacheChart(QWidget *parent = nullptr);
    void setTurns(const QList<app::TurnMetrics> &turns);
    int turnCount() const { return int(m_turns.size()); }
    // Bar heights of the "before" and "after" series, for tests.
    QList<double> afterValues() const;
    QString valueAxisTitle() const; // "MB", "kB" or "entries"
    QStringList valueAxisLabels() const; // the tick labels as drawn, bottom to top

private:
    void rebuild();

    QList<app::TurnMetrics> m_turns;
    QComboBox *m_unit = nullptr;
    QChartView *m_view = nullptr;
    QList<double> m_after;
};

} // namespace ec::ui
