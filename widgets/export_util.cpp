#include "widgets/export_util.h"

#include <qcustomplot.h>

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>

#ifdef MOE_HAVE_QT_SVG
#include <QSvgGenerator>
#endif

namespace moe::widgets {

namespace {

void setError(QString* error, const QString& message) {
    if (error) *error = message;
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

}  // namespace

bool svgExportSupported() {
#ifdef MOE_HAVE_QT_SVG
    return true;
#else
    return false;
#endif
}

bool exportPlot(QCustomPlot* plot, const QString& path, QString* error) {
    if (!plot) {
        setError(error, QStringLiteral("no plot to export"));
        return false;
    }
    if (path.isEmpty()) {
        setError(error, QStringLiteral("no file name given"));
        return false;
    }
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
        setError(error, QStringLiteral("SVG export is not supported by this build (Qt 6 Svg "
                                       "was not found); use .png or .pdf"));
        return false;
#endif
    } else {
        setError(error, QStringLiteral("unknown image format \"%1\" for %2: use .png, .pdf or "
                                       ".svg")
                            .arg(ext, path));
        return false;
    }
    if (!ok) {
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
