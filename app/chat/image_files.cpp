#include "app/chat/image_files.h"

#include <QBuffer>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>

namespace ec::app {

namespace {
QString mimeOf(const QByteArray &format)
{
    const QByteArray f = format.toLower();
    if (f == "jpg" || f == "jpeg")
        return QStringLiteral("image/jpeg");
    if (f == "png")
        return QStringLiteral("image/png");
    return QStringLiteral("image/") + QString::fromLatin1(f);
}

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}
} // namespace

std::optional<ImageAttachment> loadImageBytes(const QByteArray &bytes, const QString &name,
                                              QString *error)
{
    QBuffer buffer;
    buffer.setData(bytes);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    QByteArray format = reader.format();
    if (format.isEmpty()) {
        setError(error, QObject::tr("%1 is not an image Elastic Chat can read (PNG, JPEG, BMP, "
                                    "GIF, WebP).")
                            .arg(name));
        return std::nullopt;
    }
    QImage image = reader.read();
    if (image.isNull()) {
        setError(error, QObject::tr("%1 could not be decoded: %2").arg(name, reader.errorString()));
        return std::nullopt;
    }
    ImageAttachment out;
    out.bytes = bytes;
    out.mime = mimeOf(format);
    out.width = image.width();
    out.height = image.height();
    out.name = name;
    return out;
}

std::optional<ImageAttachment> loadImageFile(const QString &path, QString *error)
{
    QFileInfo info(path);
    QString name = info.fileName();
    if (!info.isFile()) {
        setError(error, QObject::tr("%1 is not a file.").arg(path));
        return std::nullopt;
    }
    if (info.size() > kMaxImageFileBytes) {
        setError(error, QObject::tr("%1 is larger than 64 MB.").arg(name));
        return std::nullopt;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, QObject::tr("%1 cannot be read: %2").arg(name, file.errorString()));
        return std::nullopt;
    }
    return loadImageBytes(file.readAll(), name, error);
}

ImageAttachment imageFromQImage(const QImage &image, const QString &name)
{
    ImageAttachment out;
    QBuffer buffer(&out.bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    out.mime = QStringLiteral("image/png");
    out.width = image.width();
    out.height = image.height();
    out.name = name.isEmpty() ? QObject::tr("pasted image") : name;
    return out;
}

QImage decodeAttachment(const ImageAttachment &image)
{
    QImage out;
    out.loadFromData(image.bytes);
    return out;
}

} // namespace ec::app
