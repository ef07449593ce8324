// See strategy_map_view.h. Cells are QCPItemRects rather than a QCPColorMap: the colours are
// categories, not a scale, and a colour map would blend neighbouring strategies. The legend's
// swatches come from empty QCPBars, one per strategy, which QCPLegend draws as filled boxes.
// Label font sizes follow the cell size after each layout, so a dock-sized map still reads.
#include "widgets/strategy_map_view.h"

#include <qcustomplot.h>

#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <array>
#include <cmath>

#include "widgets/export_util.h"
#include "widgets/palette.h"
#include "widgets/plot_util.h"

namespace moe::widgets {

namespace {

int nearest(const std::vector<double>& values, double v) {
    int best = -1;
    double bestDistance = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        const double d = std::abs(values[i] - v);
        if (best < 0 || d < bestDistance) {
            best = static_cast<int>(i);
            bestDistance = d;
        }
    }
    // Same value up to rounding, or it is not this grid's.
    const double tolerance = 1e-9 * std::max(1.0, std::abs(v));
    return best >= 0 && bestDistance <= tolerance ? best : -1;
}

QString marginText(double percent) {
    if (!std::isfinite(percent)) return QString();
    return QStringLiteral("+%1%").arg(percent, 0, 'f', percent < 10 ? 1 : 0);
}

QString number(double v) { return QString::number(v, 'g', 4); }

}  // namespace

StrategyMapView::StrategyMapView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(320, 220);
    plot_->setMouseTracking(true);
    plot_->setAutoAddPlottableToLegend(false);
    plot_->plotLayout()->insertRow(0);
    title_ = new QCPTextElement(plot_, QString(), plotutil::bold(font()));
    plot_->plotLayout()->addElement(0, 0, title_);
    plot_->xAxis->setLabel(tr("link bandwidth (GB/s)"));
    plot_->yAxis->setLabel(tr("expert load skew (max/mean)"));
    for (QCPAxis* a : {plot_->xAxis, plot_->yAxis}) {
        a->grid()->setVisible(false);
        a->setSubTicks(false);
        a->setTickLength(0, 3);
    }
    // The legend goes under the map, in as many columns as fit, so it never covers a cell.
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    plot_->plotLayout()->addElement(2, 0, plot_->legend);
    plot_->plotLayout()->setRowStretchFactor(2, 0.001);
    plot_->plotLayout()->setRowStretchFactor(0, 0.001);
    plot_->legend->setVisible(true);
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setFont(plotutil::smaller(font()));
    plot_->legend->setColumnSpacing(12);
    plot_->legend->setMargins(QMargins(4, 0, 4, 2));
    layout->addWidget(plot_, 1);
    addExportContextMenu(plot_);
    setMinimumSize(340, 240);

    connect(plot_, &QCustomPlot::afterLayout, this, [this] { fitLabels(); });
    connect(plot_, &QCustomPlot::mouseMove, this, [this](QMouseEvent* e) {
        const QString text = hoverText(e->position());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(e->globalPosition().toPoint(), text, plot_);
    });
    redraw();
}

int StrategyMapView::index(int si, int bi) const {
    if (si < 0 || bi < 0 || si >= static_cast<int>(skews_.size()) ||
        bi >= static_cast<int>(bandwidths_.size()))
        return -1;
    return si * static_cast<int>(bandwidths_.size()) + bi;
}

void StrategyMapView::setMap(const QStringList& strategyNames, const std::vector<double>& skews,
                             const std::vector<double>& bandwidthsGBs,
                             const std::vector<StrategyCell>& cells, const QString& title) {
    names_ = strategyNames;
    skews_ = skews;
    bandwidths_ = bandwidthsGBs;
    titleText_ = title;
    winners_.assign(skews_.size() * bandwidths_.size(), -1);
    margins_.assign(winners_.size(), NAN);
    for (const StrategyCell& c : cells) {
        const int i = index(nearest(skews_, c.skew), nearest(bandwidths_, c.bandwidthGBs));
        if (i < 0) continue;
        winners_[i] = c.winner >= 0 && c.winner < names_.size() ? c.winner : -1;
        margins_[i] = c.marginPercent;
    }
    redraw();
}

void StrategyMapView::clear() { setMap({}, {}, {}, {}, QString()); }

int StrategyMapView::cellCount() const {
    return static_cast<int>(
        std::count_if(winners_.begin(), winners_.end(), [](int w) { return w >= 0; }));
}

int StrategyMapView::winner(int si, int bi) const {
    const int i = index(si, bi);
    return i < 0 ? -1 : winners_[i];
}

QString StrategyMapView::cellText(int si, int bi) const {
    const int i = index(si, bi);
    if (i < 0 || winners_[i] < 0) return QString();
    const QString margin = marginText(margins_[i]);
    return margin.isEmpty() ? names_[winners_[i]] : names_[winners_[i]] + ' ' + margin;
}

QString StrategyMapView::hoverText(QPointF pixel) const {
    if (!plot_->axisRect()->rect().contains(pixel.toPoint())) return QString();
    const int bi = static_cast<int>(std::lround(plot_->xAxis->pixelToCoord(pixel.x())));
    const int si = static_cast<int>(std::lround(plot_->yAxis->pixelToCoord(pixel.y())));
    const int i = index(si, bi);
    if (i < 0) return QString();
    const QString where = tr("skew %1, %2 GB/s").arg(number(skews_[si]), number(bandwidths_[bi]));
    if (winners_[i] < 0) return where + tr(": no result");
    QString text = where + tr(": %1 is fastest").arg(names_[winners_[i]]);
    if (std::isfinite(margins_[i]))
        text += tr(", the runner-up takes %1% longer").arg(margins_[i], 0, 'f', 1);
    return text;
}

void StrategyMapView::redraw() {
    plot_->clearItems();
    plot_->clearPlottables();
    labels_.clear();
    labelForms_.clear();
    const int ns = static_cast<int>(skews_.size()), nb = static_cast<int>(bandwidths_.size());
    for (int s = 0; s < names_.size(); ++s) {
        // Empty bars: nothing drawn in the map, a filled swatch in the legend.
        auto* swatch = new QCPBars(plot_->xAxis, plot_->yAxis);
        swatch->setName(names_[s]);
        swatch->setBrush(palette::series(s));
        swatch->setPen(QPen(palette::series(s).darker(130)));
        swatch->addToLegend();
    }
    // One row when it fits (set before rearranging: QCPLegend wraps by count, not width).
    plot_->legend->setWrap(std::max(1, static_cast<int>(names_.size())));
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst, true);
    plotutil::padLegendItems(plot_->legend);
    plot_->legend->setVisible(!names_.isEmpty());

    QSharedPointer<QCPAxisTickerText> xt(new QCPAxisTickerText), yt(new QCPAxisTickerText);
    for (int b = 0; b < nb; ++b) xt->addTick(b, number(bandwidths_[b]));
    for (int s = 0; s < ns; ++s) yt->addTick(s, number(skews_[s]));
    plot_->xAxis->setTicker(xt);
    plot_->yAxis->setTicker(yt);
    plot_->xAxis->setRange(-0.5, std::max(1, nb) - 0.5);
    plot_->yAxis->setRange(-0.5, std::max(1, ns) - 0.5);

    for (int s = 0; s < ns; ++s)
        for (int b = 0; b < nb; ++b) {
            const int w = winners_[index(s, b)];
            const QColor fill = w >= 0 ? palette::series(w) : QColor(220, 220, 220);
            auto* rect = new QCPItemRect(plot_);
            rect->topLeft->setCoords(b - 0.5, s + 0.5);
            rect->bottomRight->setCoords(b + 0.5, s - 0.5);
            rect->setBrush(fill);
            rect->setPen(QPen(Qt::white, 1));
            rect->setClipToAxisRect(true);
            rect->setSelectable(false);
            auto* label = new QCPItemText(plot_);
            label->position->setCoords(b, s);
            label->setColor(palette::textOn(fill));
            label->setClipToAxisRect(true);
            label->setSelectable(false);
            label->setText(QString());  // QCPItemText starts out saying "text"
            std::array<QString, 3> forms;
            if (w >= 0) {
                const QString margin = marginText(margins_[index(s, b)]);
                const QString sep = margin.isEmpty() ? QString() : QStringLiteral("\n");
                forms = {names_[w] + sep + margin, cellText(s, b), margin};
            }
            label->setText(forms[0]);
            labelForms_.push_back(forms);
            labels_.push_back(label);
        }
    fitTitle();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void StrategyMapView::fitLabels() {
    if (labels_.empty()) return;
    const double cellW = std::abs(plot_->xAxis->coordToPixel(1) - plot_->xAxis->coordToPixel(0));
    const double cellH = std::abs(plot_->yAxis->coordToPixel(1) - plot_->yAxis->coordToPixel(0));
    const double maxSize = font().pointSizeF() > 0 ? font().pointSizeF() : 9;
    // The largest size from `maxSize` down to `minSize` at which every label of `form` fits
    // its cell; 0 when none does.
    auto fittingSize = [&](int form, double minSize) {
        QFont f = font();
        for (double size = maxSize; size >= minSize; size -= 0.5) {
            f.setPointSizeF(size);
            const QFontMetricsF fm(f);
            bool fits = true;
            for (const auto& forms : labelForms_) {
                const QString& text = forms[form];
                if (text.isEmpty()) continue;
                const QRectF r = fm.boundingRect(QRectF(0, 0, 1000, 1000), Qt::AlignCenter, text);
                if (r.width() > cellW - 4 || r.height() > cellH - 2) {
                    fits = false;
                    break;
                }
            }
            if (fits) return size;
        }
        return 0.0;
    };
    // Name and margin on two lines, then on one, then the margin alone (the colour names the
    // winner) at a smaller size, then nothing: never text spilling over a neighbour.
    int form = 0;
    double size = fittingSize(0, 7);
    if (size == 0) size = fittingSize(form = 1, 7);
    if (size == 0) size = fittingSize(form = 2, 5.5);
    QFont f = font();
    f.setPointSizeF(size > 0 ? size : 5.5);
    for (size_t i = 0; i < labels_.size(); ++i) {
        labels_[i]->setFont(f);
        labels_[i]->setText(labelForms_[i][form]);
        labels_[i]->setVisible(size > 0);
    }
}

void StrategyMapView::fitTitle() {
    // QCPTextElement does not wrap: break a long title at the space nearest its middle.
    QString text = titleText_;
    const QFontMetrics fm(title_->font());
    if (!text.isEmpty() && fm.horizontalAdvance(text) > plot_->width() - 16) {
        const int middle = static_cast<int>(text.size()) / 2;
        int best = -1;
        for (int i = 0; i < text.size(); ++i)
            if (text[i] == ' ' && (best < 0 || std::abs(i - middle) < std::abs(best - middle)))
                best = i;
        if (best > 0) text[best] = '\n';
    }
    title_->setText(text);
    title_->setVisible(!text.isEmpty());
}

void StrategyMapView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitTitle();
}

}  // namespace moe::widgets
