// Load heatmap: experts x steps of one chosen layer over a scrolling window of the last steps,
// coloured by load relative to the layer's mean (a fixed, labelled scale, so colours compare
// across steps and runs). Takes plain counts; knows nothing of the engine.
#pragma once

#include <QWidget>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QSpinBox;
class QLabel;

namespace moe::widgets {

class LoadHeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit LoadHeatmapView(QWidget* parent = nullptr);

    // One step's L x E counts, layer-major. Cheap: the plot is rebuilt in refresh().
    void appendStep(int64_t step, int layers, int experts, std::span<const int64_t> counts);
    void clear();
    void setWindow(int steps);
    int window() const { return window_; }
    int columns() const { return static_cast<int>(columns_.size()); }
    // Rebuilds the colour map from the stored columns and queues a replot.
    void refresh();

private:
    struct Column {
        int64_t step = 0;
        std::vector<float> relative;  // L x E, load / layer mean
    };
    QCustomPlot* plot_;
    QCPColorMap* map_;
    QCPColorScale* scale_;
    QSpinBox* layerBox_;
    QLabel* info_;
    std::deque<Column> columns_;
    int layers_ = 0, experts_ = 0;
    int window_ = 200;
    bool dirty_ = false;
};

}  // namespace moe::widgets
