// See whatif_view.h.
#include "widgets/whatif_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/export_util.h"
#include "widgets/palette.h"

namespace moe::widgets {

namespace {
bool isBound(const WhatIfCell& c) { return c.predictor == "contiguous" || c.predictor == "oracle"; }

QString percent(double share) { return QString::number(100 * share, 'f', 1) + "%"; }
}  // namespace

WhatIfView::WhatIfView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    auto* top = new QHBoxLayout;
    title_ = new QLabel(tr("No what-if matrix yet: Run > What-if matrix (Ctrl+W), or open a "
                           "stored what-if run"),
                        this);
    title_->setWordWrap(true);
    scheduleBox_ = new QComboBox(this);
    scheduleBox_->setToolTip(
        tr("Rebalance schedule: every N steps, or <b = whenever the "
           "forecast's balancedness falls below b"));
    top->addWidget(title_, 1);
    top->addWidget(new QLabel(tr("Schedule:"), this));
    top->addWidget(scheduleBox_);
    layout->addLayout(top);
    // Side by side: the views' docks are wide and short.
    auto* split = new QSplitter(Qt::Horizontal, this);
    grid_ = new QTableWidget(this);
    grid_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    grid_->setSelectionMode(QAbstractItemView::NoSelection);  // the shown cell is outlined
    grid_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    grid_->verticalHeader()->setDefaultSectionSize(22);

    split->addWidget(grid_);
    auto* lower = new QWidget(this);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(lower);
    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("slowest rank / ideal"));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    plot_->legend->setFont(small);
    plot_->legend->setBrush(QColor(255, 255, 255, 200));
    addExportContextMenu(plot_);
    summary_ = new QLabel(lower);
    summary_->setWordWrap(true);
    lowerLayout->addWidget(plot_, 1);
    lowerLayout->addWidget(summary_);
    split->addWidget(lower);
    split->setSizes({5000, 4000});  // proportions; the grid's size hint would take it all
    layout->addWidget(split, 1);
    connect(scheduleBox_, &QComboBox::currentTextChanged, this, [this] { fillGrid(); });
    connect(grid_, &QTableWidget::cellClicked, this,
            [this](int row, int column) { showCurve(row, column); });
}

QColor WhatIfView::colourFor(double gap) {
    if (!std::isfinite(gap)) return QColor(235, 235, 235);
    if (gap < 0) {
        const double t = std::min(1.0, -gap * 4);  // -25% and worse: full red
        return QColor(255, static_cast<int>(255 - 140 * t), static_cast<int>(255 - 140 * t));
    }
    const double t = std::min(1.0, gap);
    return QColor(static_cast<int>(247 - 200 * t), static_cast<int>(252 - 92 * t),
                  static_cast<int>(245 - 180 * t));
}

void WhatIfView::setMatrix(const QString& title, std::vector<WhatIfCell> rows) {
    rows_ = std::move(rows);
    title_->setText(title);
    const QString keep = scheduleBox_->currentText();
    scheduleBox_->blockSignals(true);
    scheduleBox_->clear();
    scheduleBox_->addItems(schedules());
    if (schedules().contains(keep)) scheduleBox_->setCurrentText(keep);
    scheduleBox_->blockSignals(false);
    fillGrid();
    if (grid_->rowCount() > 0 && grid_->columnCount() > 0) {
        // Open on the best combination of the schedule shown: the lowest slowest/ideal.
        int bestRow = 0, bestColumn = 0;
        double best = 1e300;
        for (int r = 0; r < grid_->rowCount(); ++r)
            for (int c = 0; c < grid_->columnCount(); ++c)
                if (const WhatIfCell* cell = find(predictors()[r], policies()[c], schedule());
                    cell && cell->slowestOverIdeal < best) {
                    best = cell->slowestOverIdeal;
                    bestRow = r;
                    bestColumn = c;
                }
        grid_->setCurrentCell(bestRow, bestColumn);
        showCurve(bestRow, bestColumn);
    }
}

void WhatIfView::clear() { setMatrix(title_->text(), {}); }

QStringList WhatIfView::schedules() const {
    QStringList out;
    for (const WhatIfCell& c : rows_)
        if (!isBound(c) && c.preset.isEmpty() && !out.contains(c.schedule)) out << c.schedule;
    return out;
}

QStringList WhatIfView::predictors() const {
    QStringList out;
    for (const WhatIfCell& c : rows_) {
        const QString name = c.preset.isEmpty() ? c.predictor : c.preset + " default";
        if (!isBound(c) && !out.contains(name)) out << name;
    }
    return out;
}

QStringList WhatIfView::policies() const {
    QStringList out;
    for (const WhatIfCell& c : rows_)
        if (c.predictor == "oracle" && !out.contains(c.policy)) out << c.policy;
    return out;
}

QString WhatIfView::schedule() const { return scheduleBox_->currentText(); }

void WhatIfView::setSchedule(const QString& s) { scheduleBox_->setCurrentText(s); }

const WhatIfCell* WhatIfView::find(const QString& predictor, const QString& policy,
                                   const QString& schedule) const {
    for (const WhatIfCell& c : rows_) {
        if (c.policy != policy) continue;
        if (!c.preset.isEmpty() && predictor == c.preset + " default") return &c;
        if (c.preset.isEmpty() && c.predictor == predictor && c.schedule == schedule) return &c;
    }
    return nullptr;
}

const WhatIfCell* WhatIfView::bound(const QString& predictor, const QString& policy) const {
    for (const WhatIfCell& c : rows_)
        if (c.predictor == predictor && (predictor == "contiguous" || c.policy == policy))
            return &c;
    return nullptr;
}

void WhatIfView::fillGrid() {
    const QStringList rows = predictors(), columns = policies();
    grid_->clear();
    grid_->setRowCount(static_cast<int>(rows.size()));
    grid_->setColumnCount(static_cast<int>(columns.size()));
    grid_->setVerticalHeaderLabels(rows);
    grid_->setHorizontalHeaderLabels(columns);
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < columns.size(); ++c) {
            const WhatIfCell* cell = find(rows[r], columns[c], schedule());
            // The share of the gap (what the colour shows) and the slowest/ideal it left, since
            // a policy with a weak oracle can close much of a small gap.
            auto* item = new QTableWidgetItem(
                cell ? percent(cell->gapClosed) + "  (" +
                           QString::number(cell->slowestOverIdeal, 'f', 3) + ")"
                     : QString("-"));
            item->setTextAlignment(Qt::AlignCenter);
            const QColor bg = colourFor(cell ? cell->gapClosed : NAN);
            item->setBackground(bg);
            item->setForeground(palette::textOn(bg));
            if (cell)
                item->setToolTip(
                    tr("%1 x %2, schedule %3\nslowest/ideal %4, gap closed %5\nmoved %6 "
                       "experts (%7 MiB) a step, predictor %8 us a step, modelled %9 ms a step")
                        .arg(cell->predictor, cell->policy, cell->schedule)
                        .arg(cell->slowestOverIdeal, 0, 'f', 4)
                        .arg(percent(cell->gapClosed))
                        .arg(cell->movedPerStep, 0, 'f', 2)
                        .arg(cell->mibPerStep, 0, 'f', 1)
                        .arg(cell->predictorUs, 0, 'f', 1)
                        .arg(cell->modelledMs, 0, 'f', 2));
            grid_->setItem(r, c, item);
        }
}

QString WhatIfView::cellText(int row, int column) const {
    const QTableWidgetItem* item = grid_->item(row, column);
    return item ? item->text() : QString();
}

QColor WhatIfView::cellColour(int row, int column) const {
    const QTableWidgetItem* item = grid_->item(row, column);
    return item ? item->background().color() : QColor();
}

void WhatIfView::addCurve(const WhatIfCell& cell, const QString& name, const QPen& pen) {
    QCPGraph* g = plot_->addGraph();
    g->setName(name);
    g->setPen(pen);
    QVector<double> x, y;
    for (size_t i = 0; i < cell.curve.size(); ++i) {
        if (!std::isfinite(cell.curve[i])) continue;
        x << static_cast<double>(i);
        y << cell.curve[i];
    }
    g->setData(x, y, true);
}

void WhatIfView::showCurve(int row, int column) {
    plot_->clearGraphs();
    summary_->clear();
    const QStringList rows = predictors(), columns = policies();
    if (row < 0 || column < 0 || row >= rows.size() || column >= columns.size()) {
        plot_->replot();
        return;
    }
    const WhatIfCell* cell = find(rows[row], columns[column], schedule());
    if (!cell) {
        plot_->replot();
        return;
    }
    if (const WhatIfCell* c = bound("contiguous", {}))
        addCurve(*c, tr("contiguous"), QPen(QColor(120, 120, 120), 1.0, Qt::DashLine));
    if (const WhatIfCell* o = bound("oracle", cell->policy))
        addCurve(*o, tr("oracle (%1)").arg(o->policy), QPen(QColor(30, 90, 40), 1.0, Qt::DashLine));
    addCurve(*cell, tr("%1, %2, %3").arg(rows[row], cell->policy, cell->schedule),
             palette::seriesPen(0, 1.6));
    for (int r = 0; r < grid_->rowCount(); ++r)  // the shown cell in bold
        for (int c = 0; c < grid_->columnCount(); ++c)
            if (QTableWidgetItem* item = grid_->item(r, c)) {
                QFont f = item->font();
                f.setBold(r == row && c == column);
                item->setFont(f);
                item->setText(item->text().remove(QStringLiteral("\u25B6 ")));
                if (r == row && c == column)
                    item->setText(QStringLiteral("\u25B6 ") + item->text());
            }
    plot_->rescaleAxes();
    plot_->yAxis->setRangeLower(std::min(1.0, plot_->yAxis->range().lower));
    plot_->replot();
    summary_->setText(
        tr("<b>%1 x %2</b>, schedule %3: slowest/ideal %4, <b>%5 of the gap</b> to the oracle "
           "closed; %6 experts (%7 MiB) moved a step; predictor %8 us a step.")
            .arg(rows[row], cell->policy, cell->schedule)
            .arg(cell->slowestOverIdeal, 0, 'f', 4)
            .arg(percent(cell->gapClosed))
            .arg(cell->movedPerStep, 0, 'f', 2)
            .arg(cell->mibPerStep, 0, 'f', 1)
            .arg(cell->predictorUs, 0, 'f', 1));
}

int WhatIfView::curveCount() const { return plot_->graphCount(); }

QString WhatIfView::curveTitle() const {
    return plot_->graphCount() ? plot_->graph(plot_->graphCount() - 1)->name() : QString();
}

}  // namespace moe::widgets
