// The current expert placement: a ranks x experts grid of replica counts for a chosen layer,
// the experts whose replica sets changed at the last rebalance outlined, and one line on that
// rebalance (step, balancedness before -> after, experts and bytes moved). Plain numbers only.
#pragma once

#include <QWidget>
#include <cstddef>
#include <cstdint>
#include <vector>

class QComboBox;
class QCustomPlot;
class QCPColorMap;
class QLabel;

namespace moe::widgets {

struct RebalanceSummary {
    int64_t step = 0;
    double balancednessBefore = 0, balancednessAfter = 0;
    int movedExperts = 0;
    size_t movedBytes = 0;
};

class PlacementView : public QWidget {
    Q_OBJECT
public:
    explicit PlacementView(QWidget* parent = nullptr);

    // counts: L x G x E replicas per rank and expert; changed: L x E (1 = replica set changed
    // at the last rebalance), empty for none.
    void setPlacement(int layers, int ranks, int experts, std::vector<int> counts,
                      std::vector<uint8_t> changed);
    void setRebalance(const RebalanceSummary& summary);
    // The model's number of each layer where a recording left dense layers out (empty: 0..);
    // the layer box says these.
    void setLayerNumbers(std::vector<int> numbers);
    void clear();
    QString summaryText() const;
    int layer() const;
    QCustomPlot* plot() const { return plot_; }

private:
    void redraw();
    void fillLayerBox(int layers);

    QCustomPlot* plot_;
    QCPColorMap* map_;
    QComboBox* layer_;
    QLabel* summary_;
    int layers_ = 0, ranks_ = 0, experts_ = 0, rebalances_ = 0;
    std::vector<int> counts_;
    std::vector<uint8_t> changed_;
    std::vector<int> layerNumbers_;
};

}  // namespace moe::widgets
