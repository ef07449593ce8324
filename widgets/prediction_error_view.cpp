// See prediction_error_view.h. Curves keep only the last `window_` steps so memory stays flat;
// shading is rebuilt on each refresh from the phase history of the same window (a handful of
// QCPItemRect per transient segment, drawn on the background layer).
#include "widgets/prediction_error_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>

namespace moe::widgets {

namespace {
const QColor kColours[] = {QColor(31, 119, 180),  QColor(214, 39, 40),   QColor(44, 160, 44),
                           QColor(255, 127, 14),  QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127)};
}

PredictionErrorView::PredictionErrorView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* row = new QHBoxLayout;
    horizon_ = new QLabel(tr("horizon: -"), this);
    row->addWidget(horizon_);
    row->addStretch(1);
    row->addWidget(new QLabel(tr("grey = transient phase of"), this));
    layer_ = new QComboBox(this);
    layer_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    layer_->setToolTip(tr("Grey background: transient phase of this layer (or of most layers)"));
    row->addWidget(layer_);
    layout->addLayout(row);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(240, 160);
    plot_->plotLayout()->insertRow(0);
    plot_->plotLayout()->addElement(
        0, 0, new QCPTextElement(plot_, tr("relative load error (mean over layers)")));
    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("relative error"));
    plot_->legend->setVisible(true);
    plot_->legend->setFont(QFont(font().family(), 7));
    plot_->legend->setRowSpacing(0);
    plot_->legend->setBrush(QColor(255, 255, 255, 210));
    plot_->legend->setSelectableParts(QCPLegend::spItems);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iSelectLegend);
    layout->addWidget(plot_, 1);
    connect(plot_, &QCustomPlot::legendClick, this, &PredictionErrorView::legendClick);
    connect(layer_, &QComboBox::currentIndexChanged, this, [this] {
        dirty_ = true;
        refresh();
    });
}

void PredictionErrorView::setPredictors(const QStringList& names, int horizon, int layers) {
    clear();
    for (int i = 0; i < names.size(); ++i) {
        QCPGraph* g = plot_->addGraph();
        g->setName(names[i]);
        g->setPen(QPen(kColours[i % 8], 1.3));
    }
    horizon_->setText(tr("horizon: %1 step(s) ahead").arg(horizon));
    const QSignalBlocker block(layer_);
    layer_->clear();
    layer_->addItem(tr("most layers"), -1);  // transient where most layers are
    for (int l = 0; l < layers; ++l) layer_->addItem(tr("layer %1").arg(l), l);
    dirty_ = true;
}

void PredictionErrorView::appendError(int predictor, int64_t step, double relative) {
    if (predictor < 0 || predictor >= plot_->graphCount()) return;
    QCPGraph* g = plot_->graph(predictor);
    g->addData(static_cast<double>(step), relative);
    lastStep_ = std::max(lastStep_, step);
    dirty_ = true;
}

void PredictionErrorView::appendPhase(int64_t step, const std::vector<uint8_t>& stable) {
    lastStep_ = std::max(lastStep_, step);
    if (stable.empty()) return;
    phases_.emplace_back(step, stable);
    while (!phases_.empty() && phases_.front().first < step - window_ + 1) phases_.pop_front();
    dirty_ = true;
}

void PredictionErrorView::clear() {
    plot_->clearGraphs();
    plot_->clearItems();
    phases_.clear();
    lastStep_ = 0;
    peak_ = 0;
    dirty_ = true;
    refresh();
}

int PredictionErrorView::curves() const { return plot_->graphCount(); }

int PredictionErrorView::points(int predictor) const {
    return predictor >= 0 && predictor < plot_->graphCount() ? plot_->graph(predictor)->dataCount()
                                                             : 0;
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
    const double first = static_cast<double>(std::max<int64_t>(0, lastStep_ - window_ + 1));
    double peak = 0;
    for (int i = 0; i < plot_->graphCount(); ++i) {
        QCPGraph* g = plot_->graph(i);
        g->data()->removeBefore(first);
        for (const auto& d : *g->data()) peak = std::max(peak, d.value);
    }
    rebuildShading();
    plot_->xAxis->setRange(first, std::max(first + 1, static_cast<double>(lastStep_)));
    plot_->yAxis->setRange(0, peak > 0 ? std::min(peak, 10.0) * 1.1 : 1);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace moe::widgets
