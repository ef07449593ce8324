// Small QCustomPlot helpers the views share, so ticks, titles and fonts look the same in each.
// Include from .cpp files only (it pulls in qcustomplot.h); no engine types.
#pragma once

#include <qcustomplot.h>

#include <QFont>
#include <QFontMetrics>
#include <QString>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace moe::widgets::plotutil {

// Ticks at whole numbers only (steps, experts, layers, ranks): the default ticker happily puts
// a tick at expert 2.5.
class WholeTicker : public QCPAxisTicker {
protected:
    double getTickStep(const QCPRange& range) override {
        return std::max(1.0, QCPAxisTicker::getTickStep(range));
    }
    int getSubTickCount(double tickStep) override {
        return tickStep >= 2 && tickStep <= 10 ? static_cast<int>(tickStep) - 1 : 0;
    }
};

// Fractions shown as percent (0.1 -> "10%"): errors read as percentages everywhere else.
class PercentTicker : public QCPAxisTicker {
protected:
    QString getTickLabel(double tick, const QLocale&, QChar, int) override {
        return QString::number(tick * 100, 'g', 3) + QLatin1Char('%');
    }
};

inline QSharedPointer<QCPAxisTicker> wholeTicker() {
    return QSharedPointer<QCPAxisTicker>(new WholeTicker);
}

inline QFont smaller(QFont font, double by = 1) {
    font.setPointSizeF(std::max(7.0, font.pointSizeF() - by));
    return font;
}

inline QFont bold(QFont font) {
    font.setBold(true);
    return font;
}

// A title that belongs to one axis rect (its top axis' label, with the axis line and ticks
// hidden), so it moves with the rect when a layout shows or hides rects.
inline void setRectTitle(QCPAxisRect* rect, const QString& title, const QFont& font) {
    QCPAxis* top = rect->axis(QCPAxis::atTop);
    top->setVisible(true);
    top->setTicks(false);
    top->setTickLabels(false);
    top->setBasePen(Qt::NoPen);
    top->setLabelFont(bold(font));
    top->setLabelPadding(2);
    top->setLabel(title);
}

// QCPAxisRect keeps 15 px minimum margins on every side; under a title that is a gap, and in a
// dock-sized view it is space the data needs. `top` is what a rect under a title keeps (room
// for half a tick label).
inline void tightenMargins(QCPAxisRect* rect, int top = 8, int right = 15) {
    rect->setMinimumMargins(QMargins(6, top, right, 6));
}

// Fonts of every axis of `rect`: `compact` for dock-sized views.
inline void setAxisFonts(QCPAxisRect* rect, const QFont& base, bool compact) {
    const QFont ticks = compact ? smaller(base, 1.5) : base;
    const QFont labels = compact ? smaller(base, 1) : base;
    for (QCPAxis* a : rect->axes()) {
        a->setTickLabelFont(ticks);
        if (a->axisType() != QCPAxis::atTop) a->setLabelFont(labels);
    }
}

// Curves with more points than their rect has pixels across gain nothing visible from
// antialiasing or wide pens, which cost most of a replot in the raster engine (six curves of a
// 2,000-step window: 25 ms a frame with 1.4 px pens, under 2 ms with 1 px ones). While that
// dense they are drawn aliased with 1 px pens; each graph's own width comes back when not.
inline void fitCurvesToDensity(QCustomPlot* plot, QCPAxisRect* rect, double pointsShown) {
    const bool dense = pointsShown > rect->width();
    plot->setNotAntialiasedElements(dense ? QCP::aePlottables : QCP::aeNone);
    for (int i = 0; i < plot->graphCount(); ++i) {
        QCPGraph* g = plot->graph(i);
        QVariant own = g->property("moeOwnWidth");
        if (!own.isValid()) {
            own = g->pen().widthF();
            g->setProperty("moeOwnWidth", own);
        }
        QPen pen = g->pen();
        pen.setWidthF(dense ? 1.0 : own.toDouble());
        g->setPen(pen);
    }
}

// A stored run's series as a graph's data: steps as keys, non-finite values left out (a
// step with no forecast, a layer with no tokens).
inline void setFiniteSeries(QCPGraph* graph, const std::vector<int64_t>& steps,
                            const std::vector<double>& values) {
    QVector<double> keys, vals;
    const size_t n = std::min(steps.size(), values.size());
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(values[i])) continue;
        keys << static_cast<double>(steps[i]);
        vals << values[i];
    }
    graph->setData(keys, vals);
}

// The steps the graphs cover, first to last; false when all are empty. With no live run, the
// stored runs overlaid decide the x range.
template <typename Named>
inline bool overlayKeyRange(const Named& overlays, double& first, double& last) {
    double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
    for (const auto& overlay : overlays) {
        if (overlay.second->data()->isEmpty()) continue;
        lo = std::min(lo, overlay.second->data()->constBegin()->key);
        hi = std::max(hi, (overlay.second->data()->constEnd() - 1)->key);
    }
    if (lo > hi) return false;
    first = lo;
    last = std::max(lo + 1, hi);
    return true;
}

// Dock-sized: below this the views shorten labels and shrink fonts rather than overlap.
inline bool isCompact(const QSize& size) { return size.width() < 640 || size.height() < 380; }

// Legend items clip to their own rect, which at 1:1 pixels ends just above an underscore
// ("sw_avg" reads "sw avg"): two pixels more below each. Call again after adding items.
inline void padLegendItems(QCPLegend* legend) {
    for (int i = 0; i < legend->itemCount(); ++i)
        if (legend->item(i)) legend->item(i)->setMargins(QMargins(0, 0, 0, 2));
}

// A legend that takes little room: small swatches, tight rows. Call again after adding items.
inline void compactLegend(QCPLegend* legend, const QFont& font) {
    legend->setFont(font);
    // Icons as tall as a line of text: an item is as tall as its icon, and a shorter one
    // clips underscores and descenders of the name.
    legend->setIconSize(18, QFontMetrics(font).height() + 1);
    legend->setIconTextPadding(4);
    legend->setRowSpacing(-1);
    padLegendItems(legend);
    legend->setMargins(QMargins(4, 2, 4, 2));
    legend->setBrush(QColor(255, 255, 255, 215));
    legend->setBorderPen(QPen(QColor(190, 190, 190)));
}

}  // namespace moe::widgets::plotutil
