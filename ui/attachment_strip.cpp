#include "ui/attachment_strip.h"

#include "app/chat/image_files.h"
#include "ui/image_thumbnail.h"

#include <QHBoxLayout>
#include <QToolButton>
#include <QVBoxLayout>

namespace ec::ui {

AttachmentStrip::AttachmentStrip(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("attachmentStrip"));
    setAccessibleName(tr("Attached images"));
    m_layout = new QHBoxLayout(this);
    m_layout->setContentsMargins(0, 0, 0, 0);
    m_layout->setSpacing(6);
    setVisible(false);
}

void AttachmentStrip::add(const app::ImageAttachment &image)
{
    m_images.append(image);
    rebuild();
}

void AttachmentStrip::removeAt(int index)
{
    if (index < 0 || index >= m_images.size())
        return;
    m_images.removeAt(index);
    rebuild();
}

void AttachmentStrip::clear()
{
    m_images.clear();
    rebuild();
}

void AttachmentStrip::setImages(const QList<app::ImageAttachment> &images)
{
    m_images = images;
    rebuild();
}

void AttachmentStrip::rebuild()
{
    while (QLayoutItem *item = m_layout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (int i = 0; i < m_images.size(); ++i) {
        auto *cell = new QWidget(this);
        auto *column = new QVBoxLayout(cell);
        column->setContentsMargins(0, 0, 0, 0);
        column->setSpacing(0);
        auto *thumb = new ImageThumbnail(app::decodeAttachment(m_images[i]), 56, cell);
        auto *remove = new QToolButton(cell);
        remove->setObjectName(QStringLiteral("removeAttachment"));
        remove->setText(tr("Remove"));
        remove->setAccessibleName(tr("Remove image %1").arg(i + 1));
        remove->setAutoRaise(true);
        connect(remove, &QToolButton::clicked, this, [this, i] { removeAt(i); });
        column->addWidget(thumb);
        column->addWidget(remove, 0, Qt::AlignHCenter);
        m_layout->addWidget(cell);
    }
    m_layout->addStretch();
    setVisible(!m_images.isEmpty());
    Q_EMIT changed();
}

} // namespace ec::ui
