// Rank balance: rows each rank computed at the latest step (bars) and balancedness (mean/max
// over ranks, 1 = perfect) over a scrolling window of steps (line). Takes plain numbers only.
#pragma once

#include <QWidget>
#include <cstdint>
#include <vector>

class QCustomPlot;
class QCPBars;
class QCPGraph;

namespace moe::widgets {

class RankBalanceView : public QWidget {
    Q_OBJECT
public:
    explicit RankBalanceView(QWidget* parent = nullptr);

    // Rows per rank at `step` (summed over layers) and that step's balancedness.
    void appendStep(int64_t step, const std::vector<double>& rankRows, double balancedness);
    void clear();
    void setWindow(int steps) { window_ = steps > 1 ? steps : 2; }
    int points() const;
    // Applies what was appended since the last call and queues the replots.
    void refresh();

private:
    QCustomPlot* barsPlot_;
    QCustomPlot* linePlot_;
    QCPBars* bars_;
    QCPGraph* line_;
    std::vector<double> latest_;
    int window_ = 500;
    int64_t lastStep_ = 0;
    bool dirty_ = false;
};

}  // namespace moe::widgets
