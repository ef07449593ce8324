// See load_heatmap_view.h. Stores relative loads per step and rebuilds the colour map only on
// refresh(), so the GUI's timer decides how often the (comparatively costly) replot happens.
#include "widgets/load_heatmap_view.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

namespace moe::widgets {

namespace {
constexpr double kScaleMax = 4.0;  // load / mean; above it the colour saturates
}

LoadHeatmapView::LoadHeatmapView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Layer"), this));
    layerBox_ = new QSpinBox(this);
    layerBox_->setRange(0, 0);
    bar->addWidget(layerBox_);
    info_ = new QLabel(this);
    bar->addWidget(info_, 1);
    layout->addLayout(bar);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(320, 200);
    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("expert"));
    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    scale_ = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale_);
    scale_->setType(QCPAxis::atRight);
    scale_->axis()->setLabel(tr("load / mean"));
    map_->setColorScale(scale_);
    map_->setGradient(QCPColorGradient(QCPColorGradient::gpThermal));
    map_->setDataRange(QCPRange(0, kScaleMax));
    map_->setInterpolate(false);
    auto* group = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    layout->addWidget(plot_, 1);

    connect(layerBox_, &QSpinBox::valueChanged, this, [this] {
        dirty_ = true;
        refresh();
    });
}

void LoadHeatmapView::appendStep(int64_t step, int layers, int experts,
                                 std::span<const int64_t> counts) {
    if (layers != layers_ || experts != experts_) {
        columns_.clear();
        layers_ = layers;
        experts_ = experts;
        layerBox_->setRange(0, std::max(0, layers - 1));
    }
    Column c;
    c.step = step;
    c.relative.resize(static_cast<size_t>(layers) * experts);
    for (int l = 0; l < layers; ++l) {
        double sum = 0;
        for (int e = 0; e < experts; ++e) sum += static_cast<double>(counts[l * experts + e]);
        const double mean = experts > 0 ? sum / experts : 0;
        for (int e = 0; e < experts; ++e)
            c.relative[l * experts + e] =
                mean > 0 ? static_cast<float>(counts[l * experts + e] / mean) : 0.f;
    }
    columns_.push_back(std::move(c));
    while (static_cast<int>(columns_.size()) > window_) columns_.pop_front();
    dirty_ = true;
}

void LoadHeatmapView::clear() {
    columns_.clear();
    map_->data()->clear();
    dirty_ = true;
    refresh();
}

void LoadHeatmapView::setWindow(int steps) {
    window_ = std::max(1, steps);
    while (static_cast<int>(columns_.size()) > window_) columns_.pop_front();
    dirty_ = true;
}

void LoadHeatmapView::refresh() {
    if (!dirty_) return;
    dirty_ = false;
    const int n = static_cast<int>(columns_.size());
    if (n == 0 || experts_ == 0) {
        info_->setText(tr("no data"));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const int layer = std::min(layerBox_->value(), layers_ - 1);
    const int64_t first = columns_.front().step, last = columns_.back().step;
    map_->data()->setSize(n, experts_);
    map_->data()->setRange(QCPRange(static_cast<double>(first), static_cast<double>(last)),
                           QCPRange(0, experts_ - 1));
    float peak = 0;
    for (int x = 0; x < n; ++x) {
        const float* row = columns_[x].relative.data() + static_cast<size_t>(layer) * experts_;
        for (int e = 0; e < experts_; ++e) {
            map_->data()->setCell(x, e, row[e]);
            peak = std::max(peak, row[e]);
        }
    }
    plot_->xAxis->setRange(first - 0.5, std::max<double>(last, first + 1) + 0.5);
    plot_->yAxis->setRange(-0.5, experts_ - 0.5);
    info_->setText(tr("steps %1-%2, peak %3x mean").arg(first).arg(last).arg(peak, 0, 'f', 2));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace moe::widgets
