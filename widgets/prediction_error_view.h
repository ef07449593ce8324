// Prediction error over a run: one curve per load predictor of its relative error (mean over
// layers) on the last ~500 steps, with transient phases shaded grey behind them for a chosen
// layer or for the majority of layers. Legend items toggle their curve. Plain numbers only.
#pragma once

#include <QStringList>
#include <QWidget>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPAbstractLegendItem;
class QCPLegend;
class QLabel;
class QMouseEvent;

namespace moe::widgets {

class PredictionErrorView : public QWidget {
    Q_OBJECT
public:
    explicit PredictionErrorView(QWidget* parent = nullptr);

    // Starts a run: one curve per name, the forecast horizon in steps, `layers` for the picker.
    void setPredictors(const QStringList& names, int horizon, int layers);
    // One scored forecast: predictor index, the step it forecast from, its relative error.
    void appendError(int predictor, int64_t step, double relative);
    // Phase state of every layer at `step` (1 = stable); empty when the detector is off.
    void appendPhase(int64_t step, const std::vector<uint8_t>& stable);
    void clear();
    void setWindow(int steps) { window_ = steps > 1 ? steps : 2; }
    int curves() const;
    int points(int predictor) const;
    // Applies what was appended since the last call and queues the replot.
    void refresh();

private:
    void legendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
    void rebuildShading();

    QCustomPlot* plot_;
    QComboBox* layer_;
    QLabel* horizon_;
    std::deque<std::pair<int64_t, std::vector<uint8_t>>> phases_;
    int window_ = 500;
    int64_t lastStep_ = 0;
    double peak_ = 0;
    bool dirty_ = false;
};

}  // namespace moe::widgets
