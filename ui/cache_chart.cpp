#include "ui/cache_chart.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLabel>
#include <QVBoxLayout>
#include <QValueAxis>

namespace ec::ui {

CacheChart::CacheChart(QWidget *parent)
    : QWidget(parent)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_unit = new QComboBox(this);
    m_unit->setObjectName(QStringLiteral("chartUnit"));
    m_unit->setAccessibleName(tr("Chart unit"));
    m_unit->addItem(tr("Bytes per turn")); // the axis says kB or MB
    m_unit->addItem(tr("Entries per turn"));
    connect(m_unit, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    layout->addWidget(m_unit);
    m_view = new QChartView(this);
    m_view->setObjectName(QStringLiteral("cacheChart"));
    m_view->setAccessibleName(tr("Cache size per turn, before and after compaction"));
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(220);
    layout->addWidget(m_view, 1);
    rebuild();
}

void CacheChart::setTurns(const QList<app::TurnMetrics> &turns)
{
    m_turns = turns;
    rebuild();
}

QList<double> CacheChart::afterValues() const
{
    return m_after;
}

QString CacheChart::valueAxisTitle() const
{
    const auto axes = m_view->chart()->axes(Qt::Vertical);
    return axes.isEmpty() ? QString() : axes.first()->titleText();
}

QStringList CacheChart::valueAxisLabels() const
{
    const auto axes = m_view->chart()->axes(Qt::Vertical);
    auto *y = axes.isEmpty() ? nullptr : qobject_cast<QValueAxis *>(axes.first());
    QStringList labels;
    if (!y)
        return labels;
    const QByteArray format = y->labelFormat().toLatin1();
    for (int i = 0; i < y->tickCount(); ++i) {
        const double v = y->min() + (y->max() - y->min()) * i / (y->tickCount() - 1);
        labels << QString::asprintf(format.constData(), v);
    }
    return labels;
}

void CacheChart::rebuild()
{
    const bool bytes = m_unit->currentIndex() == 0;
    // The two moments a turn is measured at: the history plus the new prompt, before the policy
    // compacts it, and the cache once the answer is written (compaction during it included).
    auto *before = new QBarSet(tr("after the prompt"));
    auto *after = new QBarSet(tr("after the answer"));
    before->setColor(QColor(0xc8, 0xd1, 0xdc));
    after->setColor(QColor(0x2f, 0x6f, 0xde));
    QStringList categories;
    // kB below one megabyte: a small model's cache would otherwise read 0, 0, 1, 1 on the axis.
    qint64 largest = 0;
    for (const app::TurnMetrics &t : m_turns)
        largest = std::max({largest, t.bytesBefore, t.bytesAfter});
    const bool kilo = bytes && largest < 1000000;
    const double scale = bytes ? (kilo ? 1e3 : 1e6) : 1.0;
    double top = 1;
    m_after.clear();
    for (int i = 0; i < m_turns.size(); ++i) {
        const app::TurnMetrics &t = m_turns[i];
        double b = bytes ? t.bytesBefore / scale : double(t.entriesBefore);
        double a = bytes ? t.bytesAfter / scale : double(t.entriesAfter);
        *before << b;
        *after << a;
        m_after << a;
        top = std::max({top, a, b});
        categories << QString::number(i + 1);
    }
    auto *series = new QBarSeries;
    series->append(before);
    series->append(after);
    auto *chart = new QChart;
    chart->addSeries(series);
    chart->setTitle(m_turns.isEmpty() ? tr("Cache per turn (no turns yet)") : tr("Cache per turn"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->setBackgroundRoundness(0);
    if (m_turns.isEmpty()) { // no axes over nothing
        chart->legend()->hide();
        QChart *old = m_view->chart();
        m_view->setChart(chart);
        delete old;
        return;
    }
    auto *x = new QBarCategoryAxis;
    x->append(categories);
    x->setTitleText(tr("turn"));
    chart->addAxis(x, Qt::AlignBottom);
    series->attachAxis(x);
    auto *y = new QValueAxis;
    y->setRange(0, top * 1.05);
    y->applyNiceNumbers();
    // Whole numbers, unless the nice range is so small that they would repeat.
    y->setLabelFormat(y->max() - y->min() < 8 && bytes ? QStringLiteral("%.1f")
                                                       : QStringLiteral("%.0f"));
    y->setTitleText(bytes ? (kilo ? tr("kB") : tr("MB")) : tr("entries"));
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(y);
    QChart *old = m_view->chart();
    m_view->setChart(chart);
    delete old;
}

} // namespace ec::ui
