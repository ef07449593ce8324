// See export_util.h. Whole views are painted widget by widget rather than with one
// QWidget::render call, because QCustomPlot paints from cached pixmaps: rendered that way a plot
// would be a bitmap in PDF/SVG and stale (or empty) for a view that was never shown.
#include "widgets/export_util.h"

#include <qcustomplot.h>

#include <QAction>
#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QLayout>
#include <QMenu>
#include <QMessageBox>
#include <QPdfWriter>
#include <QPointer>
#include <QResizeEvent>
#include <algorithm>

#ifdef MOE_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

namespace moe::widgets {

namespace {

void setError(QString* error, const QString& message) {
    if (error) *error = message;
}

// The two refusals exportPlot and exportWidget share, worded once.
#ifndef MOE_HAVE_QT_SVG
void noSvg(QString* error) {
    setError(error, QStringLiteral("SVG export is not supported by this build (Qt 6 Svg was not "
                                   "found); use .png or .pdf"));
}
#endif

void unknownFormat(QString* error, const QString& ext, const QString& path) {
    setError(error, QStringLiteral("unknown image format \"%1\" for %2: use .png, .pdf or .svg")
                        .arg(ext, path));
}

#ifdef MOE_HAVE_QT_SVG
bool saveSvg(QCustomPlot* plot, const QString& path, QString* error) {
    const int w = plot->width() > 0 ? plot->width() : 640;
    const int h = plot->height() > 0 ? plot->height() : 480;
    QSvgGenerator generator;
    generator.setFileName(path);
    generator.setSize(QSize(w, h));
    generator.setViewBox(QRect(0, 0, w, h));
    generator.setTitle(plot->windowTitle());
    QCPPainter painter;
    if (!painter.begin(&generator)) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    plot->toPainter(&painter, w, h);
    painter.end();
    if (QFileInfo(path).size() <= 0) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    return true;
}
#endif

// A view that was never shown has its size but not its children's geometry: lay it out top-down
// (each child's layout needs its parent's layout to have sized it first).
void layOut(QWidget* w) {
    w->ensurePolished();
    // Views adapt labels to their size in resizeEvent; a hidden widget has only a pending one.
    if (w->testAttribute(Qt::WA_PendingResizeEvent)) {
        w->setAttribute(Qt::WA_PendingResizeEvent, false);
        QResizeEvent resize(w->size(), QSize());
        QCoreApplication::sendEvent(w, &resize);
    }
    if (w->layout()) w->layout()->activate();
    for (QWidget* child : w->findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
        if (!child->isWindow() && !child->isHidden()) layOut(child);
}

// Paints `w` and its visible descendants at `offset`; each QCustomPlot through toPainter.
void paintTree(QWidget* w, QCPPainter* painter, const QPoint& offset) {
    if (auto* plot = qobject_cast<QCustomPlot*>(w)) {
        painter->save();
        painter->translate(offset);
        plot->toPainter(painter, plot->width(), plot->height());
        painter->restore();
        return;
    }
    w->render(painter, offset, QRegion(), QWidget::DrawWindowBackground);
    for (QWidget* child : w->findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
        if (!child->isWindow() && !child->isHidden())
            paintTree(child, painter, offset + child->pos());
}

// Starts `painter` on `device`, paints the tree, ends; false when the device cannot be opened.
bool paintWidget(QWidget* w, QPaintDevice* device, bool vector) {
    QCPPainter painter;
    if (!painter.begin(device)) return false;
    if (vector) {
        painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
    } else {
        painter.setRenderHint(QPainter::Antialiasing);
    }
    paintTree(w, &painter, QPoint(0, 0));
    return painter.end();
}

// What every export checks first: something to draw, and a file name to draw it into.
bool canExport(const QWidget* what, const QString& nothing, const QString& path, QString* error) {
    if (!what) {
        setError(error, nothing);
        return false;
    }
    if (path.isEmpty()) {
        setError(error, QStringLiteral("no file name given"));
        return false;
    }
    return true;
}

}  // namespace

bool svgExportSupported() {
#ifdef MOE_HAVE_QT_SVG
    return true;
#else
    return false;
#endif
}

bool exportPlot(QCustomPlot* plot, const QString& path, QString* error) {
    if (!canExport(plot, QStringLiteral("no plot to export"), path, error)) return false;
    const QString ext = QFileInfo(path).suffix().toLower();
    bool ok = false;
    if (ext == QLatin1String("png")) {
        ok = plot->savePng(path);
    } else if (ext == QLatin1String("pdf")) {
        ok = plot->savePdf(path);
    } else if (ext == QLatin1String("svg")) {
#ifdef MOE_HAVE_QT_SVG
        return saveSvg(plot, path, error);
#else
        noSvg(error);
        return false;
#endif
    } else {
        unknownFormat(error, ext, path);
        return false;
    }
    if (!ok) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    return true;
}

bool exportWidget(QWidget* widget, const QString& path, QString* error) {
    if (auto* plot = qobject_cast<QCustomPlot*>(widget)) return exportPlot(plot, path, error);
    if (!canExport(widget, QStringLiteral("no view to export"), path, error)) return false;
    const QString ext = QFileInfo(path).suffix().toLower();
    // A never-shown window (a view exported from a test or a script) is shown off-screen for
    // the export: some widgets (QTabWidget) lay themselves out only once visible.
    struct OffscreenShow {
        QWidget* w = nullptr;
        ~OffscreenShow() {
            if (!w) return;
            w->hide();
            w->setAttribute(Qt::WA_DontShowOnScreen, false);
        }
    } offscreen;
    if (widget->isWindow() && !widget->isVisible()) {
        offscreen.w = widget;
        widget->setAttribute(Qt::WA_DontShowOnScreen, true);
        widget->show();
    }
    layOut(widget);
    const QSize size(std::max(1, widget->width()), std::max(1, widget->height()));
    bool ok = false;
    if (ext == QLatin1String("png")) {
        // Twice the pixels, so text stays sharp when the picture is scaled into a document.
        const qreal ratio = 2;
        QImage image(size * ratio, QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(ratio);
        image.fill(Qt::white);
        ok = paintWidget(widget, &image, false) && image.save(path, "PNG");
    } else if (ext == QLatin1String("pdf")) {
        QPdfWriter writer(path);
        writer.setTitle(widget->windowTitle());
        writer.setCreator(QStringLiteral("MoE Workbench"));
        // One page the size of the widget, no margins: the picture is the page. The painter works
        // in 1/96 in (screen pixels), page sizes are in points (1/72 in).
        writer.setResolution(96);
        writer.setPageMargins(QMarginsF(0, 0, 0, 0));
        writer.setPageSize(QPageSize(QSizeF(size.width() * 72.0 / 96, size.height() * 72.0 / 96),
                                     QPageSize::Point, QString(), QPageSize::ExactMatch));
        ok = paintWidget(widget, &writer, true);
    } else if (ext == QLatin1String("svg")) {
#ifdef MOE_HAVE_QT_SVG
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(size);
        generator.setViewBox(QRect(QPoint(0, 0), size));
        generator.setTitle(widget->windowTitle());
        ok = paintWidget(widget, &generator, true);
#else
        noSvg(error);
        return false;
#endif
    } else {
        unknownFormat(error, ext, path);
        return false;
    }
    if (!ok || QFileInfo(path).size() <= 0) {
        setError(error, QStringLiteral("cannot write %1").arg(path));
        return false;
    }
    return true;
}

void addExportContextMenu(QCustomPlot* plot) {
    if (!plot) return;
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot](const QPoint& pos) {
        QMenu menu(plot);
        struct Choice {
            const char* label;
            const char* ext;
            const char* filter;
        };
        const Choice choices[] = {
            {"Export as PNG...", "png", "PNG image (*.png)"},
            {"Export as PDF...", "pdf", "PDF document (*.pdf)"},
            {"Export as SVG...", "svg", "SVG image (*.svg)"},
        };
        for (const Choice& c : choices) {
            QAction* action = menu.addAction(QString::fromLatin1(c.label));
            const bool isSvg = QLatin1String(c.ext) == QLatin1String("svg");
            if (isSvg && !svgExportSupported()) {
                action->setEnabled(false);
                action->setToolTip(QStringLiteral("Qt 6 Svg not available in this build"));
            }
            const QString ext = QString::fromLatin1(c.ext);
            const QString filter = QString::fromLatin1(c.filter);
            QObject::connect(action, &QAction::triggered, plot, [plot, ext, filter] {
                QString path = QFileDialog::getSaveFileName(plot, QStringLiteral("Export plot"),
                                                            QStringLiteral("plot.") + ext, filter);
                if (path.isEmpty()) return;
                if (QFileInfo(path).suffix().isEmpty()) path += QLatin1Char('.') + ext;
                QString error;
                if (!exportPlot(plot, path, &error))
                    QMessageBox::warning(plot, QStringLiteral("Export failed"), error);
            });
        }
        menu.exec(plot->mapToGlobal(pos));
    });
}

}  // namespace moe::widgets
