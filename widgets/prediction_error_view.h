// Prediction error over a run: one curve per load predictor of its relative error (mean over
// layers) on the last ~500 steps, for one forecast horizon at a time (a combo box picks which),
// with transient phases shaded grey behind them for a chosen layer or for the majority of
// layers. Stored runs can be laid over it as dashed curves, so a new predictor is judged against
// an old run at the same steps. Legend items toggle their curve. Plain numbers only.
#pragma once

#include <QSharedPointer>
#include <QStringList>
#include <QWidget>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPAbstractLegendItem;
class QCPGraph;
class QCPGraphData;
template <class DataType>
class QCPDataContainer;
class QCPLegend;
class QCPTextElement;
class QLabel;
class QMouseEvent;

namespace moe::widgets {

class PredictionErrorView : public QWidget {
    Q_OBJECT
public:
    explicit PredictionErrorView(QWidget* parent = nullptr);

    // Starts a run: one curve per name, the forecast horizons (in steps) each predictor is
    // scored at, `layers` for the phase picker. Clears live data; keeps the overlays.
    void setPredictors(const QStringList& names, const std::vector<int>& horizons, int layers);
    // The same with one horizon.
    void setPredictors(const QStringList& names, int horizon, int layers);
    // One scored forecast: predictor index, horizon index (into setPredictors' horizons), the
    // step it forecast from, its relative error. Out-of-range indices are ignored.
    void appendError(int predictor, int horizonIndex, int64_t step, double relative);
    // Horizon index 0.
    void appendError(int predictor, int64_t step, double relative);
    // Phase state of every layer at `step` (1 = stable); empty when the detector is off.
    void appendPhase(int64_t step, const std::vector<uint8_t>& stable);
    // Clears the live curves and phases (the overlays stay; see clearOverlays).
    void clear();
    void setWindow(int steps) { window_ = steps > 1 ? steps : 2; }
    // Live predictor curves (overlays not counted).
    int curves() const { return static_cast<int>(live_.size()); }
    // Points of `predictor` at the shown horizon, within the window after refresh().
    int points(int predictor) const;
    // Which horizon's curves are shown.
    void setHorizonIndex(int index);
    int horizonIndex() const { return horizonIndex_; }
    // Adds, or replaces when `name` is already there, a dashed curve of a stored run (in the
    // legend). Shown with or without live predictors; with none the x range follows overlays.
    void setOverlay(const QString& name, const std::vector<int64_t>& steps,
                    const std::vector<double>& values);
    void clearOverlays();
    int overlayCount() const { return static_cast<int>(overlays_.size()); }
    // Applies what was appended since the last call and queues the replot.
    void refresh();

    QCustomPlot* plot() const { return plot_; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    // Title, labels, fonts and legend columns for the current size and curves.
    void updateLabels();
    void legendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
    void rebuildShading();

    QCustomPlot* plot_;
    QCPTextElement* title_;
    QComboBox* layer_;
    QComboBox* horizonBox_;
    std::vector<QCPGraph*> live_;
    // data_[predictor][horizon]; the shown horizon's container is shared with the live graph.
    std::vector<std::vector<QSharedPointer<QCPDataContainer<QCPGraphData>>>> data_;
    std::vector<int> horizons_;
    std::vector<std::pair<QString, QCPGraph*>> overlays_;
    std::deque<std::pair<int64_t, std::vector<uint8_t>>> phases_;
    int horizonIndex_ = 0;
    int window_ = 500;
    int64_t lastStep_ = 0;
    bool haveLive_ = false;
    bool compact_ = false;
    bool dirty_ = false;
};

}  // namespace moe::widgets
