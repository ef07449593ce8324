// Which strategy the performance model says is fastest where: a map over expert-load skewness
// (rows) and link bandwidth (columns, one per bandwidth given), each cell coloured by its winner
// (one categorical colour per strategy, with a legend) and labelled with the winner and its
// margin over the runner-up, so "where does duplication stop paying" reads at a glance. Hover a
// cell for the numbers. Plain numbers in; knows nothing of the model.
#pragma once

#include <QPointF>
#include <QString>
#include <QStringList>
#include <QWidget>
#include <array>
#include <vector>

class QCustomPlot;
class QCPTextElement;
class QCPItemText;

namespace moe::widgets {

struct StrategyCell {
    double skew = 0;
    double bandwidthGBs = 0;
    int winner = -1;           // index into the strategy names; -1 = none
    double marginPercent = 0;  // how much slower the runner-up is, in percent
};

class StrategyMapView : public QWidget {
    Q_OBJECT
public:
    explicit StrategyMapView(QWidget* parent = nullptr);

    // Cells are matched to (skew, bandwidth) by value, in any order; a grid position without a
    // cell stays empty (grey).
    void setMap(const QStringList& strategyNames, const std::vector<double>& skews,
                const std::vector<double>& bandwidthsGBs, const std::vector<StrategyCell>& cells,
                const QString& title);
    void clear();
    // Grid positions that have a cell with a winner.
    int cellCount() const;
    // "dist_only +12%"; empty for an empty or out-of-range position.
    QString cellText(int skewIndex, int bwIndex) const;
    int winner(int skewIndex, int bwIndex) const;
    // The tooltip at `plotPixel` (pixel coordinates of plot()); empty off the cells.
    QString hoverText(QPointF plotPixel) const;

    QCustomPlot* plot() const { return plot_; }
    QString title() const { return titleText_; }
    QStringList strategyNames() const { return names_; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void redraw();
    void fitLabels();
    void fitTitle();
    int index(int skewIndex, int bwIndex) const;

    QCustomPlot* plot_;
    QCPTextElement* title_;
    QString titleText_;
    QStringList names_;
    std::vector<double> skews_, bandwidths_;
    std::vector<int> winners_;  // skews x bandwidths, row-major by skew
    std::vector<double> margins_;
    std::vector<QCPItemText*> labels_;
    // Per label: two-line, one-line and margin-only text, the first that fits is shown.
    std::vector<std::array<QString, 3>> labelForms_;
};

}  // namespace moe::widgets
