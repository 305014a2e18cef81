#include "ui/conversation_list.h"

#include <QDateTime>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QVBoxLayout>

namespace ec::ui {

namespace {
constexpr int kIdRole = Qt::UserRole + 1;
}

ConversationList::ConversationList(QWidget *parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("conversationList"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);
    m_new = new QPushButton(tr("New chat"), this);
    m_new->setObjectName(QStringLiteral("newChatButton"));
    m_new->setAccessibleName(tr("New chat"));
    connect(m_new, &QPushButton::clicked, this, &ConversationList::newRequested);
    layout->addWidget(m_new);
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("searchField"));
    m_search->setAccessibleName(tr("Search conversations"));
    m_search->setPlaceholderText(tr("Search conversations"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, this, &ConversationList::searchChanged);
    layout->addWidget(m_search);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("conversationListView"));
    m_list->setAccessibleName(tr("Conversations"));
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->setEditTriggers(QAbstractItemView::EditKeyPressed);
    m_list->setWordWrap(true);
    // Queued: opening rebuilds the list, which must not happen inside the list's own signal.
    auto open = [this](QListWidgetItem *item) {
        QMetaObject::invokeMethod(
            this, [this, id = item->data(kIdRole).toLongLong()] { Q_EMIT openRequested(id); },
            Qt::QueuedConnection);
    };
    connect(m_list, &QListWidget::itemActivated, this, open);
    connect(m_list, &QListWidget::itemClicked, this, open);
    connect(m_list, &QListWidget::itemChanged, this, [this](QListWidgetItem *item) {
        // Queued: the list is rebuilt after a rename, which must not happen inside this signal.
        if (!m_filling)
            QMetaObject::invokeMethod(
                this,
                [this, id = item->data(kIdRole).toLongLong(), title = item->text()] {
                    Q_EMIT renameRequested(id, title);
                },
                Qt::QueuedConnection);
    });
    connect(m_list, &QListWidget::customContextMenuRequested, this, &ConversationList::showMenu);
    layout->addWidget(m_list, 1);
}

void ConversationList::setRows(const QList<app::ConversationRow> &rows, qint64 currentId)
{
    m_filling = true;
    m_list->clear();
    for (const app::ConversationRow &row : rows) {
        auto *item = new QListWidgetItem(row.title, m_list);
        item->setData(kIdRole, row.id);
        item->setFlags(item->flags() | Qt::ItemIsEditable);
        QString when = QDateTime::fromMSecsSinceEpoch(row.updatedAt)
                           .toString(QStringLiteral("yyyy-MM-dd hh:mm"));
        QString tip = tr("%1 messages, last %2").arg(row.messageCount).arg(when);
        if (!row.snippet.isEmpty())
            tip += QLatin1Char('\n') + row.snippet;
        item->setToolTip(tip);
        if (row.id == currentId)
            m_list->setCurrentItem(item);
    }
    m_filling = false;
}

qint64 ConversationList::selectedId() const
{
    QListWidgetItem *item = m_list->currentItem();
    return item ? item->data(kIdRole).toLongLong() : 0;
}

void ConversationList::renameSelected()
{
    if (QListWidgetItem *item = m_list->currentItem())
        m_list->editItem(item);
}

void ConversationList::deleteSelected(bool confirm)
{
    QListWidgetItem *item = m_list->currentItem();
    if (!item)
        return;
    if (confirm &&
        QMessageBox::question(
            this, tr("Delete conversation"),
            tr("Delete \"%1\" and its images? This cannot be undone.").arg(item->text())) !=
            QMessageBox::Yes)
        return;
    Q_EMIT deleteRequested(item->data(kIdRole).toLongLong());
}

void ConversationList::showMenu(const QPoint &pos)
{
    QListWidgetItem *item = m_list->itemAt(pos);
    if (!item)
        return;
    m_list->setCurrentItem(item);
    QMenu menu(this);
    menu.addAction(tr("Rename"), this, &ConversationList::renameSelected);
    menu.addAction(tr("Delete…"), this, [this] { deleteSelected(true); });
    menu.exec(m_list->viewport()->mapToGlobal(pos));
}

} // namespace ec::ui
