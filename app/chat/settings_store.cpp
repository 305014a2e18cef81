#include "app/chat/settings_store.h"

#include <QSettings>
#include <algorithm>

namespace ec::app {

namespace {
// The keys, in one place: renaming one loses what users saved under the old name.
constexpr const char *kEngineGroup = "engine";
constexpr const char *kCachePolicy = "cache/policy";
constexpr const char *kCacheBudget = "cache/budgetBytes";
constexpr const char *kLastModel = "model/lastPath";
constexpr const char *kLastConversation = "history/lastConversation";
constexpr const char *kGeometry = "window/geometry";
constexpr const char *kSplitter = "window/splitter";
} // namespace

ChatSettings SettingsStore::chatSettings() const
{
    ChatSettings out;
    QSettings s;
    s.beginGroup(QLatin1String(kEngineGroup));
    out.device = s.value("device", out.device).toString();
    out.dtype = s.value("dtype", out.dtype).toString();
    out.weights = s.value("weights", out.weights).toString();
    out.threads = s.value("threads", out.threads).toInt();
    out.temperature = s.value("temperature", out.temperature).toDouble();
    out.topP = s.value("topP", out.topP).toDouble();
    out.maxTokens = s.value("maxTokens", out.maxTokens).toInt();
    out.systemPrompt = s.value("systemPrompt").toString();
    out.dataFolder = s.value("dataFolder").toString();
    s.endGroup();
    return out;
}

void SettingsStore::setChatSettings(const ChatSettings &settings)
{
    QSettings s;
    s.beginGroup(QLatin1String(kEngineGroup));
    s.setValue("device", settings.device);
    s.setValue("dtype", settings.dtype);
    s.setValue("weights", settings.weights);
    s.setValue("threads", settings.threads);
    s.setValue("temperature", settings.temperature);
    s.setValue("topP", settings.topP);
    s.setValue("maxTokens", settings.maxTokens);
    s.setValue("systemPrompt", settings.systemPrompt);
    s.setValue("dataFolder", settings.dataFolder);
    s.endGroup();
}

cache::CacheChoice SettingsStore::cacheChoice() const
{
    QSettings s;
    cache::CacheChoice out;
    out.policy = cache::policyKindFromName(s.value(kCachePolicy).toString().toStdString())
                     .value_or(out.policy);
    out.budgetBytes = std::max<qint64>(0, s.value(kCacheBudget, 0).toLongLong());
    return out;
}

void SettingsStore::setCacheChoice(const cache::CacheChoice &choice)
{
    QSettings s;
    s.setValue(kCachePolicy, QString::fromLatin1(cache::policyName(choice.policy)));
    s.setValue(kCacheBudget, qint64(choice.budgetBytes));
}

QString SettingsStore::lastModelPath() const
{
    return QSettings().value(kLastModel).toString();
}

void SettingsStore::setLastModelPath(const QString &path)
{
    QSettings().setValue(kLastModel, path);
}

qint64 SettingsStore::lastConversation() const
{
    return QSettings().value(kLastConversation, 0).toLongLong();
}

void SettingsStore::setLastConversation(qint64 id)
{
    QSettings().setValue(kLastConversation, id);
}

QByteArray SettingsStore::windowGeometry() const
{
    return QSettings().value(kGeometry).toByteArray();
}

QByteArray SettingsStore::splitterState() const
{
    return QSettings().value(kSplitter).toByteArray();
}

void SettingsStore::setWindowLayout(const QByteArray &geometry, const QByteArray &splitter)
{
    QSettings s;
    s.setValue(kGeometry, geometry);
    s.setValue(kSplitter, splitter);
}

} // namespace ec::app
