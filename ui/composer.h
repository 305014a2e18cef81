// Where a turn is written: the prompt field, images attached by button, drag-and-drop or paste
// (removable before sending), Send, and Stop while an answer is being generated.
#pragma once

#include "app/chat/chat_types.h"

#include <QFrame>

class QLabel;
class QPushButton;

namespace ec::ui {

class AttachmentStrip;
class PromptEdit;

class Composer : public QFrame
{
    Q_OBJECT

public:
    explicit Composer(QWidget *parent = nullptr);

    PromptEdit *edit() const { return m_edit; }
    AttachmentStrip *attachments() const { return m_strip; }
    QPushButton *sendButton() const { return m_send; }
    QPushButton *stopButton() const { return m_stop; }

    void setGenerating(bool generating);
    // Loads the last user turn for editing; the next send replaces it.
    void beginEdit(const app::MessageView &message);
    void cancelEdit();
    bool isEditing() const { return m_editing; }
    // Adds image files; files that are not images are refused with errorOccurred.
    void addFiles(const QStringList &paths);
    void addImage(const QImage &image);
    void clearInput();
    // What Enter and the Send button do.
    void submit();
    void chooseFiles();

Q_SIGNALS:
    void sendRequested(const QString &text, const QList<ec::app::ImageAttachment> &images);
    void editResendRequested(const QString &text, const QList<ec::app::ImageAttachment> &images);
    void stopRequested();
    void errorOccurred(const QString &message);

protected:
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    PromptEdit *m_edit = nullptr;
    AttachmentStrip *m_strip = nullptr;
    QLabel *m_editBanner = nullptr;
    QPushButton *m_attach = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_stop = nullptr;
    bool m_generating = false;
    bool m_editing = false;
};

} // namespace ec::ui
