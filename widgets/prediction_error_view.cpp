// See prediction_error_view.h. Every (predictor, horizon) keeps its own data container; the
// live graph of a predictor shares the container of the shown horizon, so switching horizons is
// a pointer swap and appends to the shown horizon need no copy. Containers keep only the last
// `window_` steps so memory stays flat; shading is rebuilt on each refresh from the phase
// history of the same window (a handful of QCPItemRect per transient segment, drawn on the
// background layer).
#include "widgets/prediction_error_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/export_util.h"
#include "widgets/palette.h"
#include "widgets/plot_util.h"

namespace moe::widgets {

PredictionErrorView::PredictionErrorView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* row = new QHBoxLayout;
    row->addWidget(new QLabel(tr("Horizon"), this));
    horizonBox_ = new QComboBox(this);
    horizonBox_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    horizonBox_->setToolTip(tr("How many steps ahead the shown forecasts were made"));
    row->addWidget(horizonBox_);
    row->addStretch(1);
    row->addWidget(new QLabel(tr("grey = transient phase of"), this));
    layer_ = new QComboBox(this);
    layer_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    layer_->setToolTip(tr("Grey background: transient phase of this layer (or of most layers)"));
    row->addWidget(layer_);
    layout->addLayout(row);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(300, 180);
    plot_->plotLayout()->insertRow(0);
    QFont titleFont = font();
    titleFont.setBold(true);
    title_ = new QCPTextElement(plot_, tr("relative load error (mean over layers)"), titleFont);
    plot_->plotLayout()->addElement(0, 0, title_);
    plot_->xAxis->setTicker(plotutil::wholeTicker());
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new plotutil::PercentTicker));
    plotutil::tightenMargins(plot_->axisRect());
    // The legend sits under the plot in as many columns as fit, so it never hides a curve.
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    plot_->plotLayout()->addElement(2, 0, plot_->legend);
    plot_->plotLayout()->setRowStretchFactor(2, 0.001);
    plot_->plotLayout()->setRowSpacing(2);
    plot_->legend->setVisible(true);
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst);
    plot_->legend->setColumnSpacing(10);
    plot_->legend->setSelectableParts(QCPLegend::spItems);
    plot_->setInteractions(QCP::iSelectLegend);
    layout->addWidget(plot_, 1);
    addExportContextMenu(plot_);
    setMinimumSize(320, 220);
    connect(plot_, &QCustomPlot::legendClick, this, &PredictionErrorView::legendClick);
    connect(layer_, &QComboBox::currentIndexChanged, this, [this] {
        dirty_ = true;
        refresh();
    });
    connect(horizonBox_, &QComboBox::currentIndexChanged, this,
            [this](int index) { setHorizonIndex(index); });
    updateLabels();
}

void PredictionErrorView::setPredictors(const QStringList& names, const std::vector<int>& horizons,
                                        int layers) {
    clear();
    horizons_ = horizons.empty() ? std::vector<int>{1} : horizons;
    horizonIndex_ = 0;
    for (int i = 0; i < names.size(); ++i) {
        QCPGraph* g = plot_->addGraph();
        g->setName(names[i]);
        g->setPen(palette::seriesPen(i));
        live_.push_back(g);
        std::vector<QSharedPointer<QCPGraphDataContainer>> perHorizon;
        for (size_t h = 0; h < horizons_.size(); ++h)
            perHorizon.emplace_back(new QCPGraphDataContainer);
        g->setData(perHorizon[0]);
        data_.push_back(std::move(perHorizon));
    }
    {
        const QSignalBlocker block(horizonBox_);
        horizonBox_->clear();
        for (int h : horizons_)
            horizonBox_->addItem(h == 1 ? tr("1 step ahead") : tr("%1 steps ahead").arg(h));
        horizonBox_->setCurrentIndex(0);
        horizonBox_->setEnabled(horizons_.size() > 1);
    }
    const QSignalBlocker block(layer_);
    layer_->clear();
    layer_->addItem(tr("most layers"), -1);  // transient where most layers are
    for (int l = 0; l < layers; ++l) layer_->addItem(tr("layer %1").arg(l), l);
    updateLabels();
    dirty_ = true;
}

void PredictionErrorView::setPredictors(const QStringList& names, int horizon, int layers) {
    setPredictors(names, std::vector<int>{horizon}, layers);
}

void PredictionErrorView::appendError(int predictor, int horizonIndex, int64_t step,
                                      double relative) {
    if (predictor < 0 || predictor >= static_cast<int>(data_.size())) return;
    if (horizonIndex < 0 || horizonIndex >= static_cast<int>(horizons_.size())) return;
    data_[predictor][horizonIndex]->add(QCPGraphData(static_cast<double>(step), relative));
    lastStep_ = haveLive_ ? std::max(lastStep_, step) : step;
    haveLive_ = true;
    dirty_ = true;
}

void PredictionErrorView::appendError(int predictor, int64_t step, double relative) {
    appendError(predictor, 0, step, relative);
}

void PredictionErrorView::appendPhase(int64_t step, const std::vector<uint8_t>& stable) {
    lastStep_ = haveLive_ ? std::max(lastStep_, step) : step;
    haveLive_ = true;
    if (stable.empty()) return;
    phases_.emplace_back(step, stable);
    while (!phases_.empty() && phases_.front().first < step - window_ + 1) phases_.pop_front();
    dirty_ = true;
}

void PredictionErrorView::clear() {
    for (QCPGraph* g : live_) plot_->removeGraph(g);
    live_.clear();
    data_.clear();
    plot_->clearItems();
    phases_.clear();
    lastStep_ = 0;
    haveLive_ = false;
    dirty_ = true;
    refresh();
}

void PredictionErrorView::setHorizonIndex(int index) {
    if (index < 0 || index >= static_cast<int>(horizons_.size())) return;
    horizonIndex_ = index;
    for (size_t p = 0; p < live_.size(); ++p) live_[p]->setData(data_[p][index]);
    if (horizonBox_->currentIndex() != index) {
        const QSignalBlocker block(horizonBox_);
        horizonBox_->setCurrentIndex(index);
    }
    updateLabels();
    dirty_ = true;
    refresh();
}

void PredictionErrorView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    compact_ = plotutil::isCompact(size());
    updateLabels();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PredictionErrorView::updateLabels() {
    const bool c = compact_;
    QString title = c ? tr("relative load error") : tr("relative load error (mean over layers)");
    if (!horizons_.empty()) {
        const int h = horizons_[horizonIndex_];
        title += h == 1 ? tr(", 1 step ahead") : tr(", %1 steps ahead").arg(h);
    }
    title_->setText(title);
    title_->setFont(plotutil::bold(plotutil::smaller(font(), c ? 1 : 0)));
    plot_->xAxis->setLabel(tr("step"));  // kept when compact: the only axis that says "when"
    plot_->yAxis->setLabel(c ? QString() : tr("relative error"));
    plotutil::setAxisFonts(plot_->axisRect(), font(), c);
    const QFont legendFont = plotutil::smaller(font(), c ? 1.5 : 1);
    plotutil::compactLegend(plot_->legend, legendFont);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setBrush(Qt::NoBrush);
    plot_->legend->setRowSpacing(1);
    // QCPLegend wraps by count, not width: as many columns as the widest name allows.
    const QFontMetrics fm(legendFont);
    int widest = 0;
    for (int i = 0; i < plot_->graphCount(); ++i)
        widest = std::max(widest, fm.horizontalAdvance(plot_->graph(i)->name()));
    const int item = 18 + 4 + widest + 10;
    const int width = plot_->width() > 100 ? plot_->width() : this->width();
    plot_->legend->setWrap(std::max(1, (width - 20) / std::max(1, item)));
    plot_->legend->setFillOrder(QCPLegend::foColumnsFirst, true);  // re-wraps existing items
}

int PredictionErrorView::points(int predictor) const {
    return predictor >= 0 && predictor < curves() ? live_[predictor]->dataCount() : 0;
}

void PredictionErrorView::setOverlay(const QString& name, const std::vector<int64_t>& steps,
                                     const std::vector<double>& values) {
    QCPGraph* g = nullptr;
    for (auto& [n, graph] : overlays_)
        if (n == name) g = graph;
    if (!g) {
        g = plot_->addGraph();
        g->setName(name);
        g->setPen(palette::overlayPen(static_cast<int>(overlays_.size())));
        overlays_.emplace_back(name, g);
        updateLabels();
    }
    plotutil::setFiniteSeries(g, steps, values);
    dirty_ = true;
}

void PredictionErrorView::clearOverlays() {
    for (auto& overlay : overlays_) plot_->removeGraph(overlay.second);
    overlays_.clear();
    dirty_ = true;
    refresh();
}

void PredictionErrorView::legendClick(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    auto* pli = qobject_cast<QCPPlottableLegendItem*>(item);
    if (!pli) return;
    QCPAbstractPlottable* p = pli->plottable();
    p->setVisible(!p->visible());
    pli->setTextColor(p->visible() ? Qt::black : Qt::gray);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PredictionErrorView::rebuildShading() {
    plot_->clearItems();
    const int layer = layer_->currentData().isValid() ? layer_->currentData().toInt() : -1;
    auto transient = [layer](const std::vector<uint8_t>& s) {
        if (layer >= 0 && layer < static_cast<int>(s.size())) return s[layer] == 0;
        int stable = 0;
        for (uint8_t v : s) stable += v;
        return 2 * stable < static_cast<int>(s.size());
    };
    size_t i = 0;
    while (i < phases_.size()) {
        if (!transient(phases_[i].second)) {
            ++i;
            continue;
        }
        const int64_t begin = phases_[i].first;
        while (i < phases_.size() && transient(phases_[i].second)) ++i;
        const int64_t end = i < phases_.size() ? phases_[i].first : phases_.back().first + 1;
        auto* rect = new QCPItemRect(plot_);
        rect->setLayer("background");
        rect->setClipToAxisRect(true);
        rect->topLeft->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->topLeft->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->bottomRight->setTypeX(QCPItemPosition::ptPlotCoords);
        rect->bottomRight->setTypeY(QCPItemPosition::ptAxisRectRatio);
        rect->topLeft->setCoords(static_cast<double>(begin) - 0.5, 0);
        rect->bottomRight->setCoords(static_cast<double>(end) - 0.5, 1);
        rect->setPen(Qt::NoPen);
        rect->setBrush(QColor(225, 225, 225));
    }
}

void PredictionErrorView::refresh() {
    if (!dirty_) return;
    dirty_ = false;
    double first = 0, last = 1;
    bool haveRange = false;
    if (haveLive_) {
        first = static_cast<double>(std::max<int64_t>(0, lastStep_ - window_ + 1));
        last = std::max(first + 1, static_cast<double>(lastStep_));
        haveRange = true;
        for (auto& perHorizon : data_)
            for (auto& container : perHorizon) container->removeBefore(first);
    } else {
        // No live run: the stored runs decide what is worth showing.
        haveRange = plotutil::overlayKeyRange(overlays_, first, last);
    }
    // y range from the 98th percentile of what is shown, not the maximum: the first steps of a
    // run (no history yet) give errors of several hundred percent that would flatten the rest.
    std::vector<double> shown;
    double peak = 0;
    for (int i = 0; i < plot_->graphCount(); ++i) {
        QCPGraph* g = plot_->graph(i);
        if (!g->visible()) continue;
        for (auto it = g->data()->findBegin(first, false); it != g->data()->constEnd(); ++it) {
            if (it->key > last) break;
            if (!std::isfinite(it->value)) continue;
            shown.push_back(it->value);
            peak = std::max(peak, it->value);
        }
    }
    double top = 1;
    if (peak > 0) {
        const size_t k = (shown.size() - 1) * 98 / 100;
        std::nth_element(shown.begin(), shown.begin() + static_cast<std::ptrdiff_t>(k),
                         shown.end());
        // Headroom over the percentile, but no more than the real peak needs.
        top = std::min({peak * 1.1, shown[k] * 1.5, 10.0});
    }
    rebuildShading();  // clears every item, so the note below is made afresh when needed
    if (shown.empty()) {
        // An empty plot says why: no predictor, or no forecast old enough to be scored yet.
        const size_t hi = static_cast<size_t>(horizonIndex_);
        const int h = hi < horizons_.size() ? horizons_[hi] : 1;
        auto* note = new QCPItemText(plot_);
        note->setClipToAxisRect(false);
        note->position->setType(QCPItemPosition::ptAxisRectRatio);
        note->position->setCoords(0.5, 0.5);
        note->setColor(QColor(110, 110, 110));
        note->setFont(plotutil::smaller(font(), 1));
        note->setText(
            !live_.empty()
                ? (h == 1
                       ? tr("no forecast scored yet:\na forecast is scored once its step has run")
                       : tr("no forecast scored yet:\na forecast is scored once the %1 steps it "
                            "covers have run")
                             .arg(h))
                : tr("no predictions: start a run with predictors,\nor overlay stored runs"));
    }
    plotutil::fitCurvesToDensity(plot_, plot_->axisRect(), last - first);
    plot_->xAxis->setRange(first, haveRange ? last : first + 1);
    plot_->yAxis->setRange(0, top);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace moe::widgets
