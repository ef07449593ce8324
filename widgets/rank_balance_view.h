// Rank balance: what each rank did at the latest step (tokens, and busy time when measured) as
// bars, and over a scrolling window of steps the balancedness (mean/max over ranks, 1 = perfect)
// with the skewness of expert load (max/mean) beside it, and the slowest rank's time as the
// performance model predicted it against what was measured. Stored runs' balancedness can be laid
// over as dashed curves. Takes plain numbers only.
#pragma once

#include <QString>
#include <QWidget>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPAxisRect;
class QCPBars;
class QCPGraph;
class QCPItemStraightLine;
class QCPLayoutGrid;
class QCPLegend;

namespace moe::widgets {

class RankBalanceView : public QWidget {
    Q_OBJECT
public:
    // One step as the views see it. Empty vectors and NaN mean "not measured": the plot that
    // would show it stays hidden until some step has it.
    struct RankStep {
        int64_t step = 0;
        std::vector<double> rankRows;         // tokens (rows) each rank computed, all layers
        std::vector<double> rankBusySeconds;  // each rank's busy time this step
        double balancedness = std::numeric_limits<double>::quiet_NaN();     // mean/max over ranks
        double skewness = std::numeric_limits<double>::quiet_NaN();         // max/mean expert load
        double modelledSeconds = std::numeric_limits<double>::quiet_NaN();  // slowest rank
        double measuredSeconds = std::numeric_limits<double>::quiet_NaN();  // slowest rank
        // The model fitted to the run's measured times so far (rate and cost per call).
        double fittedSeconds = std::numeric_limits<double>::quiet_NaN();
        // The same step's balancedness under the bounds: no duplication, and the run's policy
        // planned from this step's own loads (NaN when the run has none).
        double contiguousBalancedness = std::numeric_limits<double>::quiet_NaN();
        double oracleBalancedness = std::numeric_limits<double>::quiet_NaN();
    };

    explicit RankBalanceView(QWidget* parent = nullptr);

    void appendStep(const RankStep& step);
    // Rows per rank at `step` (summed over layers) and that step's balancedness.
    void appendStep(int64_t step, const std::vector<double>& rankRows, double balancedness);
    // Clears the live data; the overlays stay (see clearOverlays).
    void clear();
    void setWindow(int steps) { window_ = steps > 1 ? steps : 2; }
    // Balancedness points in the window.
    int points() const;
    // Applies what was appended since the last call and queues the replot.
    void refresh();

    // Adds, or replaces when `name` is already there, a dashed balancedness curve of a stored
    // run. With no live steps the x range follows the overlays.
    void setOverlay(const QString& name, const std::vector<int64_t>& steps,
                    const std::vector<double>& balancedness);
    void clearOverlays();
    int overlayCount() const { return static_cast<int>(overlays_.size()); }

    // The one QCustomPlot with all four panels (export, tests).
    QCustomPlot* plot() const { return plot_; }
    QCPBars* rowBars() const { return rowBars_; }
    QCPBars* busyBars() const { return busyBars_; }
    QCPGraph* balancednessGraph() const { return balance_; }
    QCPGraph* skewnessGraph() const { return skew_; }
    QCPGraph* modelledGraph() const { return modelled_; }
    QCPGraph* measuredGraph() const { return measured_; }
    QCPGraph* fittedGraph() const { return fitted_; }
    QCPGraph* contiguousGraph() const { return contiguous_; }
    QCPGraph* oracleGraph() const { return oracle_; }
    // Whether the busy-time bars and the modelled/measured panel are laid out (some step had
    // them).
    bool showsBusy() const { return showBusy_; }
    bool showsTimes() const { return showTimes_; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void buildBalanceGraphs();
    void buildTimeGraphs();
    void buildBarPanels();
    void arrange();
    // Titles, axis labels and fonts for the current size (short ones in a dock).
    void updateLabels();

    QCustomPlot* plot_;
    QCPLayoutGrid* left_;
    QCPLayoutGrid* right_;
    QCPAxisRect* rowsRect_;
    QCPAxisRect* busyRect_;
    QCPAxisRect* balanceRect_;
    QCPAxisRect* timeRect_;
    QCPBars* rowBars_;
    QCPBars* busyBars_;
    QCPItemStraightLine* rowsMean_;
    QCPItemStraightLine* busyMean_;
    QCPGraph* balance_;
    QCPGraph* skew_;
    QCPGraph* modelled_;
    QCPGraph* measured_;
    QCPGraph* fitted_;      // the model calibrated on the run so far (dashed, legend once drawn)
    QCPGraph* contiguous_;  // the bounds, dashed, on the balancedness axis
    QCPGraph* oracle_;
    QCPLegend* timeLegend_;
    std::vector<std::pair<QString, QCPGraph*>> overlays_;
    std::vector<double> latestRows_, latestBusy_;
    int window_ = 500;
    int64_t lastStep_ = 0;
    bool haveLive_ = false;
    bool showBusy_ = false, showTimes_ = false, showSkew_ = false;
    bool compact_ = false;
    bool dirty_ = false;
};

}  // namespace moe::widgets
