// The what-if matrix as a user reads it: predictors down, policies across, each cell the share
// of the contiguous-to-oracle gap that predictor and policy closed on the chosen schedule,
// coloured on one scale (red below zero: the plans made it worse than not rebalancing). Click a
// cell for its curve over steps beside the two bounds of its policy. Plain numbers in; knows
// nothing of the core.
#pragma once

#include <QString>
#include <QWidget>
#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;
class QTableWidget;

namespace moe::widgets {

struct WhatIfCell {
    QString predictor;  // "contiguous" and "oracle" for the bounds
    QString policy;     // with "+relabel" / "+spare" when the row has them; "-" for contiguous
    QString schedule;   // "1", "50", "<0.90"
    QString preset;     // a stack's default this row reproduces, if any
    double slowestOverIdeal = 0, gapClosed = 0;
    double movedPerStep = 0, mibPerStep = 0, predictorUs = 0, modelledMs = 0;
    std::vector<float> curve;  // slowest/ideal per step
};

class WhatIfView : public QWidget {
    Q_OBJECT
public:
    explicit WhatIfView(QWidget* parent = nullptr);

    void setMatrix(const QString& title, std::vector<WhatIfCell> rows);
    void clear();

    // The schedule the grid shows; the grid's predictors (rows) and policies (columns).
    QString schedule() const;
    void setSchedule(const QString& schedule);
    QStringList schedules() const;
    QStringList predictors() const;
    QStringList policies() const;
    // The cell's text ("63.0%") and background; empty / invalid where the grid has none.
    QString cellText(int row, int column) const;
    QColor cellColour(int row, int column) const;
    // Plots the combination in grid cell (row, column) beside its bounds.
    void showCurve(int row, int column);
    // Graphs of the curve plot: the combination, contiguous and the policy's oracle.
    int curveCount() const;
    QString curveTitle() const;

    QTableWidget* grid() const { return grid_; }
    QCustomPlot* plot() const { return plot_; }

    // Gap closed -> colour: white at 0, deepening green to 100%, red below 0.
    static QColor colourFor(double gapClosed);

private:
    void fillGrid();
    const WhatIfCell* find(const QString& predictor, const QString& policy,
                           const QString& schedule) const;
    const WhatIfCell* bound(const QString& predictor, const QString& policy) const;
    void addCurve(const WhatIfCell& cell, const QString& name, const QPen& pen);

    QLabel* title_;
    QComboBox* scheduleBox_;
    QTableWidget* grid_;
    QCustomPlot* plot_;
    QLabel* summary_;
    std::vector<WhatIfCell> rows_;
};

}  // namespace moe::widgets
