#include "ui/markdown_view.h"

#include <QAbstractTextDocumentLayout>
#include <QResizeEvent>

namespace ec::ui {

MarkdownView::MarkdownView(QWidget *parent)
    : QTextBrowser(parent)
{
    setFrameShape(QFrame::NoFrame);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setOpenExternalLinks(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    document()->setDocumentMargin(2);
    viewport()->setAutoFillBackground(false);
    setStyleSheet(QStringLiteral("QTextBrowser { background: transparent; }"));
    connect(document()->documentLayout(), &QAbstractTextDocumentLayout::documentSizeChanged, this,
            [this] { fitHeight(); });
}

void MarkdownView::setMarkdownText(const QString &markdown)
{
    m_markdown = markdown;
    setMarkdown(markdown);
    fitHeight();
}

void MarkdownView::resizeEvent(QResizeEvent *event)
{
    QTextBrowser::resizeEvent(event);
    fitHeight();
}

void MarkdownView::fitHeight()
{
    document()->setTextWidth(viewport()->width());
    int height = int(document()->size().height()) + frameWidth() * 2 + 2;
    if (height != this->height())
        setFixedHeight(qMax(height, fontMetrics().height() + 6));
}

} // namespace ec::ui
