// Load heatmap: experts x steps of one chosen layer over a scrolling window of the last steps,
// and beside it every layer's experts at the latest step, both coloured by load relative to the
// layer's mean on one fixed, labelled scale (so colours compare across steps, layers and runs).
// Experts run along the same vertical axis in both, so a hot expert's row lines up across them.
// Hovering a cell names its step, layer, expert and raw token count. Plain counts in; knows
// nothing of the engine.
#pragma once

#include <QPointF>
#include <QString>
#include <QWidget>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

class QCustomPlot;
class QCPAxis;
class QCPAxisRect;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPTextElement;
class QSpinBox;
class QLabel;
class QVBoxLayout;

namespace moe::widgets {

class LoadHeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit LoadHeatmapView(QWidget* parent = nullptr);

    // One step's L x E counts, layer-major. Cheap: the plot is rebuilt in refresh(). A new
    // shape (L or E changed) starts the window afresh.
    void appendStep(int64_t step, int layers, int experts, std::span<const int64_t> counts);
    // The model's number of each layer where a recording left dense layers out (empty: the
    // layers are 0..L-1). The layer box, titles, tooltips and the snapshot's axis say these;
    // layer() and setLayer() keep counting 0.. . Kept across clear().
    void setLayerNumbers(std::vector<int> numbers);
    void clear();
    void setWindow(int steps);
    int window() const { return window_; }
    int columns() const { return static_cast<int>(columns_.size()); }
    // Rebuilds both colour maps from the stored columns and queues a replot.
    void refresh();

    // The layer shown over time (and outlined in the snapshot).
    int layer() const;
    void setLayer(int layer);
    // The latest appended step (-1 before any).
    int64_t currentStep() const;

    // What the tooltip says at `plotPixel` (pixel coordinates of plot()) over the steps map
    // (snapshotPlot false) or the all-layers snapshot (true); empty off the data. After
    // refresh(), since it reads the axes' current ranges.
    QString hoverText(QPointF plotPixel, bool snapshotPlot) const;
    // The same text for a stored cell; empty if that step is no longer in the window.
    QString cellText(int64_t step, int layer, int expert) const;

    // The one QCustomPlot holding both maps and the colour scale (export, tests).
    QCustomPlot* plot() const { return plot_; }
    QCPColorMap* stepsMap() const { return map_; }
    QCPColorMap* snapshotMap() const { return snapshot_; }
    // The colour scale's fixed range: load / layer mean from 0 to this (saturates above).
    static constexpr double kScaleMax = 3.0;

private:
    void buildToolbar(QVBoxLayout* layout);
    void buildGrid();
    void buildColourMaps(QCPAxis* snapX, QCPAxis* snapY);
    void buildLayerMark(QCPAxis* snapX, QCPAxis* snapY);
    void fitLabels(int layer, int steps, int64_t last);
    void showPeaks(int layer, int64_t last, double peak, double snapPeak);
    struct Column {
        int64_t step = 0;
        std::vector<int64_t> counts;  // L x E
        std::vector<double> means;    // per layer, tokens / expert
    };
    double relative(const Column& c, int layer, int expert) const;
    int layerNumber(int layer) const;  // the model's number of layer `layer`
    void labelSnapshotLayers();
    void mouseMoved(QPointF pos);

    QCustomPlot* plot_;
    QCPAxisRect* snapRect_;
    QCPColorMap* map_;
    QCPColorMap* snapshot_;
    QCPColorScale* scale_;
    QCPTextElement* stepsTitle_;
    QCPTextElement* snapTitle_;
    QCPItemRect* layerMark_;
    QSpinBox* layerBox_;
    QLabel* info_;
    std::deque<Column> columns_;
    std::vector<int> layerNumbers_;
    int layers_ = 0, experts_ = 0;
    int window_ = 200;
    bool dirty_ = false;
};

}  // namespace moe::widgets
