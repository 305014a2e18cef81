#include "app/chat/chat_types.h"

#include <QObject>

namespace ec::app {

QList<QString> policyNames()
{
    return {QStringLiteral("elastic"), QStringLiteral("h2o"), QStringLiteral("local"),
            QStringLiteral("full")};
}

QString policyTitle(const QString &policy)
{
    if (policy == QLatin1String("elastic"))
        return QObject::tr("Elastic (merge into anchors)");
    if (policy == QLatin1String("h2o"))
        return QObject::tr("H2O (heavy hitters)");
    if (policy == QLatin1String("local"))
        return QObject::tr("Local (sinks + recent)");
    if (policy == QLatin1String("full"))
        return QObject::tr("Full (no compaction)");
    return policy;
}

} // namespace ec::app
