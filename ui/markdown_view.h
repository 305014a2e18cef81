// A read-only Markdown view that is as tall as its text (no inner scroll bar), for answers
// laid out one under the other in the transcript.
#pragma once

#include <QTextBrowser>

namespace ec::ui {

class MarkdownView : public QTextBrowser
{
    Q_OBJECT

public:
    explicit MarkdownView(QWidget *parent = nullptr);
    void setMarkdownText(const QString &markdown);
    QString markdownText() const { return m_markdown; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void fitHeight();
    QString m_markdown;
};

} // namespace ec::ui
