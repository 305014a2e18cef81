// Images waiting to be sent, as thumbnails with a remove button each.
#pragma once

#include "app/chat/chat_types.h"

#include <QWidget>

class QHBoxLayout;

namespace ec::ui {

class AttachmentStrip : public QWidget
{
    Q_OBJECT

public:
    explicit AttachmentStrip(QWidget *parent = nullptr);

    void add(const app::ImageAttachment &image);
    void removeAt(int index);
    void clear();
    const QList<app::ImageAttachment> &images() const { return m_images; }
    void setImages(const QList<app::ImageAttachment> &images);

Q_SIGNALS:
    void changed();

private:
    void rebuild();

    QList<app::ImageAttachment> m_images;
    QHBoxLayout *m_layout = nullptr;
};

} // namespace ec::ui
