// The what-if matrix as a user reads it: predictors down, policies across, each cell the share
// of the contiguous-to-oracle gap that predictor and policy closed on the chosen schedule,
// coloured on one scale shown under the grid (red below zero: the plans made it worse than not
// rebalancing). Click a cell for its curve over steps beside the two bounds of its policy.
// Plain numbers in; knows nothing of the core.
#pragma once

#include <QColor>
#include <QString>
#include <QStringList>
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
    // Which plans the row scores: relabelled to keep replicas in place, or replicas in spare
    // slots only over a fixed base. Rows that differ only here share a balance, not a cost.
    bool relabelled = false, spareOnly = false;
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
    const std::vector<WhatIfCell>& rows() const { return rows_; }

    // The schedule the grid shows; the grid's predictors (rows) and policies (columns).
    QString schedule() const;
    void setSchedule(const QString& schedule);
    QStringList schedules() const;
    // The plans the grid shows ("as planned", "relabelled", "spare slots only", or "all"),
    // offered only when the matrix has more than one kind.
    QString variant() const;
    void setVariant(const QString& variant);
    QStringList variants() const;
    QStringList predictors() const;
    QStringList policies() const;
    // The cell's text ("63.0%  (1.088)") and background; empty / invalid where the grid has none.
    QString cellText(int row, int column) const;
    QColor cellColour(int row, int column) const;
    // Plots the combination in grid cell (row, column) beside its bounds.
    void showCurve(int row, int column);
    // Graphs of the curve plot: the bounds (dashed) first, the combination last.
    int curveCount() const;
    QString curveTitle() const;
    // The shown combination's figures beside its bounds'.
    QString summary() const;

    QTableWidget* grid() const { return grid_; }
    QCustomPlot* plot() const { return plot_; }
    // The grid with its colour scale, and the curve with its figures (screenshots, export).
    QWidget* gridPanel() const { return gridPanel_; }
    QWidget* curvePanel() const { return curvePanel_; }
    QWidget* colourScale() const { return scale_; }

    // Gap closed -> colour: white at 0, deepening green to 100%, red below 0 (full at -25%).
    static QColor colourFor(double gapClosed);

private:
    void buildGridPanel();
    void buildCurvePanel();
    void fillGrid();
    void refill();  // after a schedule or variant change: same combination where it exists
    void showBest();
    void fitCurveAxes();
    QString figures(const WhatIfCell& cell) const;
    void markShown(int row, int column);
    bool inVariant(const WhatIfCell& cell) const;
    const WhatIfCell* find(const QString& predictor, const QString& policy,
                           const QString& schedule) const;
    const WhatIfCell* bound(const QString& predictor, const QString& policy) const;
    void addCurve(const WhatIfCell& cell, const QString& name, const QPen& pen);

    QLabel* title_;
    QComboBox* scheduleBox_;
    QLabel* variantLabel_;
    QComboBox* variantBox_;
    QWidget* gridPanel_;
    QTableWidget* grid_;
    QWidget* scale_;
    QWidget* curvePanel_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QLabel* summary_ = nullptr;
    std::vector<WhatIfCell> rows_;
    QString shownPredictor_, shownPolicy_;  // the combination the curve shows
    bool fitY_ = false;                     // a new curve: fit its y range on the next layout
    int fittedHeight_ = 0;
};

}  // namespace moe::widgets
