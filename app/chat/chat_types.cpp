#include "app/chat/chat_types.h"

#include <QObject>

namespace ec::app {

QString policyTitle(cache::PolicyKind policy)
{
    switch (policy) {
    case cache::PolicyKind::Elastic:
        return QObject::tr("Elastic (merge into anchors)");
    case cache::PolicyKind::H2o:
        return QObject::tr("H2O (heavy hitters)");
    case cache::PolicyKind::Local:
        return QObject::tr("Local (sinks + recent)");
    case cache::PolicyKind::Full:
        return QObject::tr("Full (no compaction)");
    }
    return {};
}

} // namespace ec::app
