// Turning what the user attaches (a file, a pasted or dropped image) into an ImageAttachment.
// Files are checked by content, not by extension, so a renamed text file is refused up front.
#pragma once

#include "app/chat/chat_types.h"

#include <QImage>
#include <optional>

namespace ec::app {

// Images larger than this are refused before decoding (hostile or accidental input).
inline constexpr qint64 kMaxImageFileBytes = 64 * 1024 * 1024;

std::optional<ImageAttachment> loadImageFile(const QString &path, QString *error);
std::optional<ImageAttachment> loadImageBytes(const QByteArray &bytes, const QString &name,
                                              QString *error);
// A pasted image has no file: it is stored as PNG.
ImageAttachment imageFromQImage(const QImage &image, const QString &name = {});
QImage decodeAttachment(const ImageAttachment &image);

} // namespace ec::app
