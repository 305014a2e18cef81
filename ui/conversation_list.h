// The conversation list: search, new chat, and per-conversation rename (inline) and delete.
#pragma once

#include "app/chat/chat_types.h"

#include <QWidget>

class QLineEdit;
class QListWidget;
class QListWidgetItem;
class QPushButton;

namespace ec::ui {

class ConversationList : public QWidget
{
    Q_OBJECT

public:
    explicit ConversationList(QWidget *parent = nullptr);

    void setRows(const QList<app::ConversationRow> &rows, qint64 currentId);
    QLineEdit *searchField() const { return m_search; }
    QListWidget *list() const { return m_list; }
    qint64 selectedId() const;
    // Starts inline editing of the selected conversation's title.
    void renameSelected();
    // Asks first when `confirm` (the menu does; tests do not).
    void deleteSelected(bool confirm = true);

Q_SIGNALS:
    void newRequested();
    void openRequested(qint64 id);
    void renameRequested(qint64 id, const QString &title);
    void deleteRequested(qint64 id);
    void searchChanged(const QString &text);

private:
    void showMenu(const QPoint &pos);

    QLineEdit *m_search = nullptr;
    QListWidget *m_list = nullptr;
    QPushButton *m_new = nullptr;
    bool m_filling = false;
};

} // namespace ec::ui
