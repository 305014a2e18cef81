#include "app/chat/conversation_library.h"

#include "app/chat/history_views.h"
#include "app/history/conversation_export.h"
#include "app/history/history_store.h"

#include <QFile>
#include <QObject>
#include <stdexcept>

namespace ec::app {

namespace {
std::runtime_error failure(const QString &what, const std::exception &e)
{
    return std::runtime_error(what.arg(QString::fromUtf8(e.what())).toStdString());
}
} // namespace

ConversationLibrary::ConversationLibrary(history::HistoryStore &store)
    : m_store(store)
{
}

QList<ConversationRow> ConversationLibrary::list(const QString &filter)
{
    QList<ConversationRow> rows;
    try {
        const QString words = filter.trimmed();
        std::vector<history::ConversationSummary> found =
            words.isEmpty() ? m_store.listConversations(500)
                            : m_store.search(words.toStdString(), 200);
        for (const auto &summary : found)
            rows.append(toRow(summary));
    } catch (const std::exception &e) {
        throw failure(QObject::tr("History search failed: %1"), e);
    }
    return rows;
}

QList<MessageView> ConversationLibrary::messages(qint64 id)
{
    QList<MessageView> out;
    history::ConversationDetail detail = m_store.readConversation(id);
    for (const history::Message &m : detail.messages) {
        if (m.role != history::Role::System)
            out.append(toView(m, m_store));
    }
    return out;
}

QList<TurnMetrics> ConversationLibrary::turnMetrics(qint64 id)
{
    QList<TurnMetrics> out;
    history::ConversationDetail detail = m_store.readConversation(id);
    for (const history::Message &m : detail.messages) {
        if (m.stats)
            out.append(toMetrics(*m.stats));
    }
    return out;
}

std::optional<MessageView> ConversationLibrary::lastUserMessage(qint64 id)
{
    history::ConversationDetail detail = m_store.readConversation(id);
    for (auto it = detail.messages.rbegin(); it != detail.messages.rend(); ++it) {
        if (it->role == history::Role::User)
            return toView(*it, m_store);
    }
    return std::nullopt;
}

bool ConversationLibrary::endsWithAnswer(qint64 id)
{
    history::ConversationDetail detail = m_store.readConversation(id);
    return !detail.messages.empty() && detail.messages.back().role == history::Role::Assistant;
}

bool ConversationLibrary::rename(qint64 id, const QString &title)
{
    const QString clean = title.simplified();
    if (clean.isEmpty())
        return false;
    m_store.renameConversation(id, clean.toStdString());
    return true;
}

void ConversationLibrary::remove(qint64 id)
{
    m_store.deleteConversation(id);
}

QString ConversationLibrary::exportMarkdown(qint64 id, const QString &dir)
{
    try {
        return QString::fromStdString(
            history::exportMarkdown(m_store, id, dir.toStdString()).string());
    } catch (const std::exception &e) {
        throw failure(QObject::tr("Export failed: %1"), e);
    }
}

void ConversationLibrary::exportJson(qint64 id, const QString &file)
{
    try {
        history::writeFileAtomically(file.toStdString(), history::exportJson(m_store, id));
    } catch (const std::exception &e) {
        throw failure(QObject::tr("Export failed: %1"), e);
    }
}

qint64 ConversationLibrary::importJson(const QString &file)
{
    QFile in(file);
    if (!in.open(QIODevice::ReadOnly))
        throw std::runtime_error(
            QObject::tr("Cannot read %1: %2").arg(file, in.errorString()).toStdString());
    try {
        const QByteArray json = in.readAll();
        return history::importJson(m_store, std::string_view(json.constData(), json.size()));
    } catch (const std::exception &e) {
        throw failure(QObject::tr("Import failed: %1"), e);
    }
}

} // namespace ec::app
