// The multi-line prompt field: Enter sends, Shift+Enter starts a new line, and pasted or
// dropped images (or image files) become attachments instead of text.
#pragma once

#include <QImage>
#include <QPlainTextEdit>

namespace ec::ui {

class PromptEdit : public QPlainTextEdit
{
    Q_OBJECT

public:
    explicit PromptEdit(QWidget *parent = nullptr);

Q_SIGNALS:
    void submitRequested();
    void imagePasted(const QImage &image);
    void filesDropped(const QStringList &paths);

protected:
    void keyPressEvent(QKeyEvent *event) override;
    bool canInsertFromMimeData(const QMimeData *source) const override;
    void insertFromMimeData(const QMimeData *source) override;
    QSize sizeHint() const override;
};

} // namespace ec::ui
