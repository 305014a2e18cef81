#include "ui/composer.h"

#include "app/chat/image_files.h"
#include "ui/attachment_strip.h"
#include "ui/prompt_edit.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QStandardPaths>
#include <QVBoxLayout>

namespace ec::ui {

Composer::Composer(QWidget *parent)
    : QFrame(parent)
{
    setObjectName(QStringLiteral("composer"));
    setAcceptDrops(true);
    setFrameShape(QFrame::StyledPanel);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 8, 10, 8);

    m_editBanner = new QLabel(tr("Editing your last message: sending replaces it and its "
                                 "answer."),
                              this);
    m_editBanner->setObjectName(QStringLiteral("editBanner"));
    m_editBanner->setStyleSheet(QStringLiteral("color: #735c0f;"));
    m_editBanner->setVisible(false);
    layout->addWidget(m_editBanner);

    m_strip = new AttachmentStrip(this);
    layout->addWidget(m_strip);

    auto *row = new QHBoxLayout;
    m_attach = new QPushButton(tr("Attach…"), this);
    m_attach->setObjectName(QStringLiteral("attachButton"));
    m_attach->setAccessibleName(tr("Attach images"));
    m_attach->setToolTip(tr("Attach images (or drop them here, or paste)"));
    connect(m_attach, &QPushButton::clicked, this, &Composer::chooseFiles);
    row->addWidget(m_attach, 0, Qt::AlignBottom);

    m_edit = new PromptEdit(this);
    m_edit->setMaximumHeight(160);
    connect(m_edit, &PromptEdit::submitRequested, this, &Composer::submit);
    connect(m_edit, &PromptEdit::imagePasted, this, [this](const QImage &i) { addImage(i); });
    connect(m_edit, &PromptEdit::filesDropped, this, &Composer::addFiles);
    row->addWidget(m_edit, 1);

    m_send = new QPushButton(tr("Send"), this);
    m_send->setObjectName(QStringLiteral("sendButton"));
    m_send->setAccessibleName(tr("Send message"));
    m_send->setDefault(true);
    connect(m_send, &QPushButton::clicked, this, &Composer::submit);
    row->addWidget(m_send, 0, Qt::AlignBottom);

    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setObjectName(QStringLiteral("stopButton"));
    m_stop->setAccessibleName(tr("Stop generating"));
    m_stop->setVisible(false);
    connect(m_stop, &QPushButton::clicked, this, &Composer::stopRequested);
    row->addWidget(m_stop, 0, Qt::AlignBottom);
    layout->addLayout(row);
}

void Composer::setGenerating(bool generating)
{
    m_generating = generating;
    m_send->setVisible(!generating);
    m_stop->setVisible(generating);
}

void Composer::beginEdit(const app::MessageView &message)
{
    m_editing = true;
    m_edit->setPlainText(message.text);
    m_strip->setImages(message.images);
    m_editBanner->setVisible(true);
    m_edit->setFocus();
}

void Composer::cancelEdit()
{
    m_editing = false;
    m_editBanner->setVisible(false);
}

void Composer::clearInput()
{
    m_edit->clear();
    m_strip->clear();
    cancelEdit();
}

void Composer::submit()
{
    if (m_generating)
        return;
    QString text = m_edit->toPlainText().trimmed();
    if (text.isEmpty() && m_strip->images().isEmpty())
        return;
    if (m_editing)
        Q_EMIT editResendRequested(text, m_strip->images());
    else
        Q_EMIT sendRequested(text, m_strip->images());
}

void Composer::chooseFiles()
{
    QStringList filters;
    for (const QByteArray &format : QImageReader::supportedImageFormats())
        filters << QStringLiteral("*.") + QString::fromLatin1(format);
    QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Attach images"),
        QStandardPaths::writableLocation(QStandardPaths::PicturesLocation),
        tr("Images (%1);;All files (*)").arg(filters.join(QLatin1Char(' '))));
    addFiles(files);
}

void Composer::addFiles(const QStringList &paths)
{
    for (const QString &path : paths) {
        QString error;
        if (auto image = app::loadImageFile(path, &error))
            m_strip->add(*image);
        else
            Q_EMIT errorOccurred(error);
    }
}

void Composer::addImage(const QImage &image)
{
    if (!image.isNull())
        m_strip->add(app::imageFromQImage(image));
}

void Composer::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasImage())
        event->acceptProposedAction();
}

void Composer::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    if (mime->hasImage()) {
        addImage(qvariant_cast<QImage>(mime->imageData()));
    } else {
        QStringList paths;
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile())
                paths << url.toLocalFile();
        }
        addFiles(paths);
    }
    event->acceptProposedAction();
}

} // namespace ec::ui
