#include "ui/image_thumbnail.h"

#include <QDialog>
#include <QGuiApplication>
#include <QLabel>
#include <QScreen>
#include <QScrollArea>
#include <QVBoxLayout>

namespace ec::ui {

ImageThumbnail::ImageThumbnail(const QImage &image, int size, QWidget *parent)
    : QToolButton(parent)
    , m_image(image)
{
    setObjectName(QStringLiteral("imageThumbnail"));
    setIcon(QPixmap::fromImage(
        image.scaled(size, size, Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    setIconSize(QSize(size, size));
    setAutoRaise(true);
    setCursor(Qt::PointingHandCursor);
    setToolTip(tr("%1 x %2 pixels. Click to enlarge.").arg(image.width()).arg(image.height()));
    setAccessibleName(
        tr("Image %1 by %2 pixels, click to enlarge").arg(image.width()).arg(image.height()));
    connect(this, &QToolButton::clicked, this, [this] { enlarge(); });
}

QWidget *ImageThumbnail::enlarge()
{
    auto *dialog = new QDialog(window());
    dialog->setObjectName(QStringLiteral("imageViewer"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(tr("Image (%1 x %2)").arg(m_image.width()).arg(m_image.height()));
    auto *label = new QLabel;
    QSize limit(1200, 900);
    if (QScreen *screen = QGuiApplication::primaryScreen())
        limit = screen->availableSize() * 0.85;
    QImage shown = m_image.width() > limit.width() || m_image.height() > limit.height()
                       ? m_image.scaled(limit, Qt::KeepAspectRatio, Qt::SmoothTransformation)
                       : m_image;
    label->setPixmap(QPixmap::fromImage(shown));
    auto *scroll = new QScrollArea;
    scroll->setWidget(label);
    scroll->setAlignment(Qt::AlignCenter);
    auto *layout = new QVBoxLayout(dialog);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(scroll);
    dialog->resize(shown.size() + QSize(8, 8));
    dialog->show();
    return dialog;
}

} // namespace ec::ui
