// Short human-readable numbers for labels.
#pragma once

#include <QString>

namespace ec::ui {

QString formatBytes(qint64 bytes);
QString formatCount(qint64 count);

} // namespace ec::ui
