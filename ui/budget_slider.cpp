#include "ui/budget_slider.h"

#include <QPainter>
#include <QStyle>
#include <QStyleOptionSlider>

namespace ec::ui {

BudgetSlider::BudgetSlider(QWidget *parent)
    : QSlider(Qt::Horizontal, parent)
{
    setMinimumHeight(sizeHint().height() + 6); // room for the marker under the groove
}

void BudgetSlider::setHeldMarker(int value)
{
    if (value == m_held)
        return;
    m_held = value;
    setToolTip(m_held < 0 ? QString()
                          : tr("The mark shows what this conversation holds: a budget left of "
                               "it compacts the next turn."));
    update();
}

int BudgetSlider::heldMarkerX() const
{
    if (m_held < minimum() || m_held > maximum())
        return -1;
    QStyleOptionSlider option;
    initStyleOption(&option);
    const QRect groove = style()->subControlRect(QStyle::CC_Slider, &option,
                                                 QStyle::SC_SliderGroove, this);
    const QRect handle = style()->subControlRect(QStyle::CC_Slider, &option,
                                                 QStyle::SC_SliderHandle, this);
    // The handle's centre travels over the groove less the handle's width.
    const int span = groove.width() - handle.width();
    return groove.left() + handle.width() / 2 +
           QStyle::sliderPositionFromValue(minimum(), maximum(), m_held, span);
}

void BudgetSlider::paintEvent(QPaintEvent *event)
{
    QSlider::paintEvent(event);
    const int x = heldMarkerX();
    if (x < 0)
        return;
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(markerColor());
    const int bottom = height() - 1;
    const QPoint triangle[3] = {{x, bottom - 6}, {x - 5, bottom}, {x + 5, bottom}};
    painter.drawPolygon(triangle, 3);
}

} // namespace ec::ui
