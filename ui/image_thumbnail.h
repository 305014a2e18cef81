// A clickable image thumbnail; a click opens the image full size in its own window.
#pragma once

#include <QImage>
#include <QToolButton>

namespace ec::ui {

class ImageThumbnail : public QToolButton
{
    Q_OBJECT

public:
    ImageThumbnail(const QImage &image, int size, QWidget *parent = nullptr);
    const QImage &image() const { return m_image; }
    // Opens the enlarged view (what a click does); returns the window for tests.
    QWidget *enlarge();

private:
    QImage m_image;
};

} // namespace ec::ui
