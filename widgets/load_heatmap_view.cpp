// See load_heatmap_view.h. Stores raw counts per step (the tooltip answers in tokens) and
// rebuilds the colour maps only on refresh(), so the GUI's timer decides how often the
// (comparatively costly) replot happens. Both maps live in one QCustomPlot so they share one
// colour scale and one export.
#include "widgets/load_heatmap_view.h"

#include <qcustomplot.h>

#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolTip>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/export_util.h"
#include "widgets/plot_util.h"

namespace moe::widgets {

namespace {

// The first of `candidates` (longest first) that fits `width` pixels in the title's font, else
// the last: a narrow dock clipped "layer 0, last 150 steps" at both ends. Before the first
// layout (no width yet) the longest.
void fitTitle(QCPTextElement* title, int width, const QStringList& candidates) {
    const QFontMetrics metrics(title->font());
    if (width <= 0) return title->setText(candidates.front());  // not laid out yet
    for (const QString& text : candidates)
        if (metrics.horizontalAdvance(text) + 4 <= width) return title->setText(text);
    title->setText(candidates.back());
}

// Diverging around 1 = the layer's mean: under-loaded experts blue, even white, hot red. A
// thermal scale would make "even" a mid-red that reads as a warning.
QCPColorGradient loadGradient() {
    QCPColorGradient g;
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    const double one = 1.0 / LoadHeatmapView::kScaleMax;
    g.setColorStopAt(0, QColor(49, 54, 149));
    g.setColorStopAt(one * 0.5, QColor(116, 173, 209));
    g.setColorStopAt(one, QColor(247, 247, 247));
    g.setColorStopAt(one + (1 - one) * 0.35, QColor(253, 174, 97));
    g.setColorStopAt(one + (1 - one) * 0.7, QColor(215, 48, 39));
    g.setColorStopAt(1, QColor(120, 0, 30));
    return g;
}

// The layer box counts 0.. (the column of the data) but shows the model's layer numbers.
class ModelLayerBox : public QSpinBox {
public:
    ModelLayerBox(const std::vector<int>& numbers, QWidget* parent)
        : QSpinBox(parent), numbers_(numbers) {}
    // After the numbers changed: the shown text is made from them.
    void showNumbers() { lineEdit()->setText(textFromValue(value())); }

protected:
    QString textFromValue(int value) const override {
        return QString::number(
            value >= 0 && static_cast<size_t>(value) < numbers_.size() ? numbers_[value] : value);
    }
    int valueFromText(const QString& text) const override {
        const int n = text.toInt();
        const auto it = std::find(numbers_.begin(), numbers_.end(), n);
        return it == numbers_.end() ? n : static_cast<int>(it - numbers_.begin());
    }
    QValidator::State validate(QString& text, int&) const override {
        if (text.isEmpty()) return QValidator::Intermediate;
        bool ok = false;
        const int n = text.toInt(&ok);
        if (!ok || n < 0) return QValidator::Invalid;
        const int v = valueFromText(text);
        return v >= minimum() && v <= maximum() && textFromValue(v) == text
                   ? QValidator::Acceptable
                   : QValidator::Intermediate;
    }

private:
    const std::vector<int>& numbers_;
};

}  // namespace

// Row 0: the two maps' titles; row 1: steps map | snapshot | colour scale.
void LoadHeatmapView::buildGrid() {
    QFont titleFont = font();
    titleFont.setBold(true);

    QCPLayoutGrid* grid = plot_->plotLayout();
    grid->insertRow(0);
    stepsTitle_ = new QCPTextElement(plot_, tr("layer 0 over time"), titleFont);
    snapTitle_ = new QCPTextElement(plot_, tr("all layers, latest step"), titleFont);
    grid->addElement(0, 0, stepsTitle_);
    grid->addElement(0, 1, snapTitle_);
    snapRect_ = new QCPAxisRect(plot_);
    grid->addElement(1, 1, snapRect_);
    scale_ = new QCPColorScale(plot_);
    grid->addElement(1, 2, scale_);
    grid->setColumnStretchFactor(0, 3);
    grid->setColumnStretchFactor(1, 2);
    grid->setColumnStretchFactor(2, 0.01);
    grid->setRowStretchFactor(0, 0.01);
    grid->setColumnSpacing(4);
}

// The row above the maps: the layer box and the peak-load line.
void LoadHeatmapView::buildToolbar(QVBoxLayout* layout) {
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Layer"), this));
    layerBox_ = new ModelLayerBox(layerNumbers_, this);
    layerBox_->setRange(0, 0);
    layerBox_->setToolTip(tr("Layer shown over time (click a column of the right map, too)"));
    bar->addWidget(layerBox_);
    info_ = new QLabel(this);
    // Long text is cut at the dock's edge instead of widening the dock.
    info_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    bar->addWidget(info_, 1);
    layout->addLayout(bar);
}

// Both maps on one fixed colour scale (load / layer mean, 0 to kScaleMax+).
void LoadHeatmapView::buildColourMaps(QCPAxis* snapX, QCPAxis* snapY) {
    map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    snapshot_ = new QCPColorMap(snapX, snapY);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(12);
    scale_->axis()->setLabel(tr("load / layer mean"));
    QSharedPointer<QCPAxisTickerText> scaleTicks(new QCPAxisTickerText);
    scaleTicks->addTick(0, QStringLiteral("0"));
    scaleTicks->addTick(1, QStringLiteral("1 (even)"));
    scaleTicks->addTick(2, QStringLiteral("2"));
    scaleTicks->addTick(kScaleMax, QStringLiteral("%1+").arg(kScaleMax));
    scale_->axis()->setTicker(scaleTicks);
    for (QCPColorMap* m : {map_, snapshot_}) {
        m->setColorScale(scale_);
        m->setGradient(loadGradient());
        m->setDataRange(QCPRange(0, kScaleMax));
        m->setInterpolate(false);
    }
    scale_->setDataRange(QCPRange(0, kScaleMax));
}

// The outline of the layer the left map shows, on the snapshot map.
void LoadHeatmapView::buildLayerMark(QCPAxis* snapX, QCPAxis* snapY) {
    layerMark_ = new QCPItemRect(plot_);
    layerMark_->setClipAxisRect(snapRect_);
    layerMark_->setClipToAxisRect(true);
    for (QCPItemPosition* p : {layerMark_->topLeft, layerMark_->bottomRight}) {
        p->setAxisRect(snapRect_);
        p->setAxes(snapX, snapY);
    }
    layerMark_->setPen(QPen(QColor(20, 20, 20), 1.5));
    layerMark_->setBrush(Qt::NoBrush);
    layerMark_->setVisible(false);
}

LoadHeatmapView::LoadHeatmapView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    buildToolbar(layout);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(360, 200);
    plot_->setMouseTracking(true);
    buildGrid();
    QCPAxisRect* stepsRect = plot_->axisRect();

    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("expert"));
    plot_->yAxis->setTicker(plotutil::wholeTicker());
    plot_->xAxis->setTicker(plotutil::wholeTicker());
    QCPAxis* snapX = snapRect_->axis(QCPAxis::atBottom);
    QCPAxis* snapY = snapRect_->axis(QCPAxis::atLeft);
    snapX->setLabel(tr("layer"));
    snapX->setTicker(plotutil::wholeTicker());
    snapY->setTicker(plotutil::wholeTicker());
    // Same experts as the left map's rows: the left axis already names them.
    snapY->setTickLabels(false);

    buildColourMaps(snapX, snapY);

    buildLayerMark(snapX, snapY);

    auto* group = new QCPMarginGroup(plot_);
    stepsRect->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    snapRect_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
    plotutil::tightenMargins(stepsRect, 8, 4);
    plotutil::tightenMargins(snapRect_, 8, 4);
    scale_->setMinimumMargins(QMargins(4, 8, 4, 6));
    layout->addWidget(plot_, 1);
    addExportContextMenu(plot_);
    setMinimumSize(380, 240);

    connect(layerBox_, &QSpinBox::valueChanged, this, [this] {
        dirty_ = true;
        refresh();
    });
    connect(plot_, &QCustomPlot::mouseMove, this,
            [this](QMouseEvent* e) { mouseMoved(e->position()); });
    connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* e) {
        if (e->button() != Qt::LeftButton || !snapRect_->rect().contains(e->pos())) return;
        const double x = snapRect_->axis(QCPAxis::atBottom)->pixelToCoord(e->position().x());
        setLayer(static_cast<int>(std::lround(x)));
    });
}

int LoadHeatmapView::layer() const { return layerBox_->value(); }

int LoadHeatmapView::layerNumber(int layer) const {
    return layer >= 0 && static_cast<size_t>(layer) < layerNumbers_.size() ? layerNumbers_[layer]
                                                                           : layer;
}

void LoadHeatmapView::setLayerNumbers(std::vector<int> numbers) {
    layerNumbers_ = std::move(numbers);
    labelSnapshotLayers();
    static_cast<ModelLayerBox*>(layerBox_)->showNumbers();
    dirty_ = true;
}

// The snapshot's layer axis names the model's layers (every few, so the labels fit).
void LoadHeatmapView::labelSnapshotLayers() {
    QCPAxis* axis = snapRect_->axis(QCPAxis::atBottom);
    if (layerNumbers_.empty()) {
        axis->setTicker(plotutil::wholeTicker());
        return;
    }
    QSharedPointer<QCPAxisTickerText> ticks(new QCPAxisTickerText);
    const int n = static_cast<int>(layerNumbers_.size());
    const int every = std::max(1, (n + 7) / 8);
    for (int l = 0; l < n; l += every) ticks->addTick(l, QString::number(layerNumbers_[l]));
    axis->setTicker(ticks);
}

void LoadHeatmapView::setLayer(int layer) { layerBox_->setValue(layer); }

int64_t LoadHeatmapView::currentStep() const {
    return columns_.empty() ? -1 : columns_.back().step;
}

void LoadHeatmapView::appendStep(int64_t step, int layers, int experts,
                                 std::span<const int64_t> counts) {
    if (layers <= 0 || experts <= 0 ||
        counts.size() < static_cast<size_t>(layers) * static_cast<size_t>(experts))
        return;
    if (layers != layers_ || experts != experts_) {
        columns_.clear();
        layers_ = layers;
        experts_ = experts;
        layerBox_->setRange(0, std::max(0, layers - 1));
    }
    Column c;
    c.step = step;
    c.counts.assign(counts.begin(), counts.begin() + static_cast<size_t>(layers) * experts);
    c.means.resize(layers);
    for (int l = 0; l < layers; ++l) {
        double sum = 0;
        for (int e = 0; e < experts; ++e) sum += static_cast<double>(counts[l * experts + e]);
        c.means[l] = sum / experts;
    }
    columns_.push_back(std::move(c));
    while (static_cast<int>(columns_.size()) > window_) columns_.pop_front();
    dirty_ = true;
}

void LoadHeatmapView::clear() {
    columns_.clear();
    layers_ = experts_ = 0;
    map_->data()->clear();
    snapshot_->data()->clear();
    dirty_ = true;
    refresh();
}

void LoadHeatmapView::setWindow(int steps) {
    window_ = std::max(1, steps);
    while (static_cast<int>(columns_.size()) > window_) columns_.pop_front();
    dirty_ = true;
}

double LoadHeatmapView::relative(const Column& c, int layer, int expert) const {
    const double mean = c.means[layer];
    return mean > 0
               ? static_cast<double>(c.counts[static_cast<size_t>(layer) * experts_ + expert]) /
                     mean
               : 0.0;
}

// The map titles in the longest form that fits their columns, and as many step ticks as
// their labels fit (a narrow dock crowded "100125" together).
void LoadHeatmapView::fitLabels(int l, int n, int64_t last) {
    fitTitle(stepsTitle_, plot_->axisRect()->outerRect().width(),
             {n == 1 ? tr("layer %1, one step").arg(layerNumber(l))
                     : tr("layer %1, last %2 steps").arg(layerNumber(l)).arg(n),
              tr("layer %1, %2 steps").arg(layerNumber(l)).arg(n),
              tr("L%1, %2 steps").arg(layerNumber(l)).arg(n)});
    const int labelWidth =
        QFontMetrics(plot_->xAxis->tickLabelFont()).horizontalAdvance(QString::number(last));
    plot_->xAxis->ticker()->setTickCount(
        std::clamp(plot_->axisRect()->width() / (2 * labelWidth + 8), 2, 8));
    fitTitle(snapTitle_, snapRect_->outerRect().width(),
             {tr("all layers at step %1").arg(last), tr("layers, step %1").arg(last),
              tr("step %1").arg(last)});
}

// The line above the maps: the hottest expert's load, in full where the dock is wide.
void LoadHeatmapView::showPeaks(int l, int64_t last, double peak, double snapPeak) {
    const QString full = tr("step %1 \u00b7 hottest expert: %2x mean (layer %3, over the window), "
                            "%4x (any layer, now)")
                             .arg(last)
                             .arg(peak, 0, 'f', 1)
                             .arg(layerNumber(l))
                             .arg(snapPeak, 0, 'f', 1);
    info_->setToolTip(full);
    info_->setText(
        width() < 640
            ? tr("step %1 \u00b7 peak %2x mean").arg(last).arg(std::max(peak, snapPeak), 0, 'f', 1)
            : full);
}

void LoadHeatmapView::refresh() {
    if (!dirty_) return;
    dirty_ = false;
    const int n = static_cast<int>(columns_.size());
    if (n == 0 || experts_ == 0) {
        info_->setText(tr("no data"));
        layerMark_->setVisible(false);
        stepsTitle_->setText(tr("layer %1 over time").arg(layerNumber(layer())));
        snapTitle_->setText(tr("all layers, latest step"));
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    const int l = std::min(layer(), layers_ - 1);
    const int64_t first = columns_.front().step, last = columns_.back().step;
    map_->data()->setSize(n, experts_);
    map_->data()->setRange(QCPRange(static_cast<double>(first), static_cast<double>(last)),
                           QCPRange(0, experts_ - 1));
    double peak = 0;
    for (int x = 0; x < n; ++x)
        for (int e = 0; e < experts_; ++e) {
            const double r = relative(columns_[x], l, e);
            map_->data()->setCell(x, e, r);
            peak = std::max(peak, r);
        }
    // QCPColorMapData needs two cells to span a range: one step or one layer gets a
    // half-cell-wide range either side instead.
    if (n == 1)
        map_->data()->setRange(QCPRange(first - 0.5, first + 0.5), QCPRange(0, experts_ - 1));
    plot_->xAxis->setRange(first - 0.5, std::max<double>(last, first + 1) + 0.5);
    plot_->yAxis->setRange(-0.5, experts_ - 0.5);

    const Column& now = columns_.back();
    snapshot_->data()->setSize(layers_, experts_);
    snapshot_->data()->setRange(layers_ > 1 ? QCPRange(0, layers_ - 1) : QCPRange(-0.5, 0.5),
                                QCPRange(0, experts_ - 1));
    double snapPeak = 0;
    for (int ly = 0; ly < layers_; ++ly)
        for (int e = 0; e < experts_; ++e) {
            const double r = relative(now, ly, e);
            snapshot_->data()->setCell(ly, e, r);
            snapPeak = std::max(snapPeak, r);
        }
    snapRect_->axis(QCPAxis::atBottom)->setRange(-0.5, layers_ - 0.5);
    snapRect_->axis(QCPAxis::atLeft)->setRange(-0.5, experts_ - 0.5);
    layerMark_->topLeft->setCoords(l - 0.5, experts_ - 0.5);
    layerMark_->bottomRight->setCoords(l + 0.5, -0.5);
    layerMark_->setVisible(true);

    fitLabels(l, n, last);
    showPeaks(l, last, peak, snapPeak);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString LoadHeatmapView::cellText(int64_t step, int layer, int expert) const {
    if (layer < 0 || layer >= layers_ || expert < 0 || expert >= experts_) return {};
    auto it = std::lower_bound(columns_.begin(), columns_.end(), step,
                               [](const Column& c, int64_t s) { return c.step < s; });
    if (it == columns_.end() || it->step != step) return {};
    const int64_t count = it->counts[static_cast<size_t>(layer) * experts_ + expert];
    return tr("step %1, layer %2, expert %3: %4 tokens (%5 of mean)")
        .arg(step)
        .arg(layerNumber(layer))
        .arg(expert)
        .arg(count)
        .arg(relative(*it, layer, expert), 0, 'f', 2);
}

QString LoadHeatmapView::hoverText(QPointF pixel, bool snapshotPlot) const {
    if (columns_.empty() || experts_ == 0) return {};
    QCPAxisRect* rect = snapshotPlot ? snapRect_ : plot_->axisRect(0);
    if (!rect->rect().contains(pixel.toPoint())) return {};
    const double x = rect->axis(QCPAxis::atBottom)->pixelToCoord(pixel.x());
    const int expert =
        static_cast<int>(std::lround(rect->axis(QCPAxis::atLeft)->pixelToCoord(pixel.y())));
    if (snapshotPlot)
        return cellText(columns_.back().step, static_cast<int>(std::lround(x)), expert);
    // Steps need not be consecutive (a run may be sampled): take the cell the map drew there.
    int key = 0, value = 0;
    map_->data()->coordToCell(x, 0, &key, &value);
    if (key < 0 || key >= static_cast<int>(columns_.size())) return {};
    return cellText(columns_[key].step, std::min(layer(), layers_ - 1), expert);
}

void LoadHeatmapView::mouseMoved(QPointF pos) {
    QString text = hoverText(pos, false);
    if (text.isEmpty()) text = hoverText(pos, true);
    if (text.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(plot_->mapToGlobal(pos.toPoint()), text, plot_);
}

}  // namespace moe::widgets
