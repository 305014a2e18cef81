#include "ui/format.h"

#include <QLocale>

namespace ec::ui {

QString formatBytes(qint64 bytes)
{
    // Decimal units, as disk and GPU vendors print them.
    const double b = double(bytes);
    if (b >= 1e9)
        return QStringLiteral("%1 GB").arg(b / 1e9, 0, 'f', b >= 1e10 ? 1 : 2);
    if (b >= 1e6)
        return QStringLiteral("%1 MB").arg(b / 1e6, 0, 'f', b >= 1e8 ? 0 : 1);
    if (b >= 1e3)
        return QStringLiteral("%1 kB").arg(b / 1e3, 0, 'f', 0);
    return QStringLiteral("%1 B").arg(bytes);
}

QString formatCount(qint64 count)
{
    return QLocale::c().toString(count).replace(QLatin1Char(','), QChar(0x202f));
}

} // namespace ec::ui
