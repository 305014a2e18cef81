// The memory-budget slider with a marker under the groove at what the conversation holds, so
// a person sees how far left to go before the next turn compacts.
#pragma once

#include <QSlider>

namespace ec::ui {

class BudgetSlider : public QSlider
{
    Q_OBJECT

public:
    explicit BudgetSlider(QWidget *parent = nullptr);

    // The slider value the conversation's cache corresponds to; -1 hides the marker.
    void setHeldMarker(int value);
    int heldMarker() const { return m_held; }
    // Where the marker is drawn, in widget pixels (-1 when hidden).
    int heldMarkerX() const;

    static QColor markerColor() { return QColor(0xd7, 0x3a, 0x49); }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    int m_held = -1;
};

} // namespace ec::ui
