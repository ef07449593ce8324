// See placement_view.h. A QCPColorMap cell per (expert, rank) with its replica count written
// on it when non-zero; changed experts get a red outline over their whole column.
#include "widgets/placement_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>

#include "widgets/export_util.h"

namespace moe::widgets {

PlacementView::PlacementView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* row = new QHBoxLayout;
    summary_ = new QLabel(tr("no rebalance yet"), this);
    summary_->setWordWrap(true);
    row->addWidget(summary_, 1);
    layer_ = new QComboBox(this);
    layer_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    layer_->setToolTip(tr("Layer whose placement is shown"));
    row->addWidget(layer_);
    layout->addLayout(row);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(240, 120);
    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    QCPColorGradient g;
    g.setColorStopAt(0, QColor(250, 250, 250));
    g.setColorStopAt(0.5, QColor(158, 202, 225));
    g.setColorStopAt(1, QColor(33, 113, 181));
    map_->setGradient(g);
    map_->setInterpolate(false);
    plot_->xAxis->setLabel(tr("expert (red outline: moved at the last rebalance)"));
    plot_->yAxis->setLabel(tr("rank"));
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    plot_->yAxis->setTicker(ticker);
    plot_->yAxis->setSubTicks(false);
    plot_->yAxis->setRangeReversed(true);
    layout->addWidget(plot_, 1);
    addExportContextMenu(plot_);
    setMinimumSize(260, 160);
    connect(layer_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
}

int PlacementView::layer() const { return std::max(0, layer_->currentIndex()); }

void PlacementView::fillLayerBox(int layers) {
    const QSignalBlocker block(layer_);
    const int keep = layer_->currentIndex();
    layer_->clear();
    for (int l = 0; l < layers; ++l)
        layer_->addItem(tr("layer %1")
                            .arg(static_cast<size_t>(l) < layerNumbers_.size()
                                     ? layerNumbers_[static_cast<size_t>(l)]
                                     : l));
    layer_->setCurrentIndex(keep >= 0 && keep < layers ? keep : 0);
}

void PlacementView::setLayerNumbers(std::vector<int> numbers) {
    layerNumbers_ = std::move(numbers);
    fillLayerBox(layers_);
}

void PlacementView::setPlacement(int layers, int ranks, int experts, std::vector<int> counts,
                                 std::vector<uint8_t> changed) {
    if (layers != layers_) fillLayerBox(layers);
    layers_ = layers;
    ranks_ = ranks;
    experts_ = experts;
    counts_ = std::move(counts);
    changed_ = std::move(changed);
    redraw();
}

void PlacementView::setRebalance(const RebalanceSummary& s) {
    ++rebalances_;
    summary_->setText(tr("rebalance at step %1: balancedness %2 -> %3, moved %4 experts "
                         "over all layers (%5 MiB)  [rebalance %6 of this run]")
                          .arg(s.step)
                          .arg(s.balancednessBefore, 0, 'f', 3)
                          .arg(s.balancednessAfter, 0, 'f', 3)
                          .arg(s.movedExperts)
                          .arg(static_cast<double>(s.movedBytes) / (1 << 20), 0, 'f', 1)
                          .arg(rebalances_));
}

QString PlacementView::summaryText() const { return summary_->text(); }

void PlacementView::clear() {
    rebalances_ = 0;
    counts_.clear();
    changed_.clear();
    layers_ = ranks_ = experts_ = 0;
    layer_->clear();
    summary_->setText(tr("no rebalance yet"));
    redraw();
}

void PlacementView::redraw() {
    plot_->clearItems();
    const int l = layer();
    const size_t need = static_cast<size_t>(layers_) * ranks_ * experts_;
    if (experts_ <= 0 || ranks_ <= 0 || counts_.size() < need) {
        map_->data()->clear();
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    map_->data()->setSize(experts_, ranks_);
    map_->data()->setRange(QCPRange(0, experts_ - 1), QCPRange(0, ranks_ - 1));
    int peak = 1;
    const bool numbers = experts_ <= 64;
    QFont small(font().family(), 7);
    for (int r = 0; r < ranks_; ++r)
        for (int e = 0; e < experts_; ++e) {
            const int c = counts_[(static_cast<size_t>(l) * ranks_ + r) * experts_ + e];
            peak = std::max(peak, c);
            map_->data()->setCell(e, r, c);
            if (numbers && c > 0) {
                auto* text = new QCPItemText(plot_);
                text->position->setCoords(e, r);
                text->setText(QString::number(c));
                text->setFont(small);
                text->setColor(c > 1 ? Qt::white : QColor(60, 60, 60));
                text->setClipToAxisRect(true);
            }
        }
    map_->setDataRange(QCPRange(0, std::max(2, peak)));
    if (changed_.size() >= static_cast<size_t>(layers_) * experts_)
        for (int e = 0; e < experts_; ++e) {
            if (!changed_[static_cast<size_t>(l) * experts_ + e]) continue;
            auto* rect = new QCPItemRect(plot_);
            rect->topLeft->setCoords(e - 0.45, -0.45);
            rect->bottomRight->setCoords(e + 0.45, ranks_ - 0.55);
            rect->setPen(QPen(QColor(220, 30, 30), 2));
            rect->setBrush(Qt::NoBrush);
        }
    plot_->xAxis->setRange(-0.5, experts_ - 0.5);
    plot_->yAxis->setRange(-0.5, ranks_ - 0.5);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace moe::widgets
