// See rank_balance_view.h. The line keeps only the last `window_` points so memory stays flat
// however long a run goes; both plots replot through QCustomPlot's queued replot.
#include "widgets/rank_balance_view.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>

namespace moe::widgets {

RankBalanceView::RankBalanceView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    barsPlot_ = new QCustomPlot(this);
    barsPlot_->setMinimumSize(240, 140);
    barsPlot_->plotLayout()->insertRow(0);
    barsPlot_->plotLayout()->addElement(
        0, 0, new QCPTextElement(barsPlot_, tr("rows per rank, latest step")));
    bars_ = new QCPBars(barsPlot_->xAxis, barsPlot_->yAxis);
    bars_->setBrush(QColor(70, 130, 180));
    bars_->setPen(QPen(QColor(40, 80, 120)));
    barsPlot_->xAxis->setLabel(tr("rank"));
    barsPlot_->yAxis->setLabel(tr("rows"));
    layout->addWidget(barsPlot_, 1);

    linePlot_ = new QCustomPlot(this);
    linePlot_->setMinimumSize(240, 140);
    linePlot_->plotLayout()->insertRow(0);
    linePlot_->plotLayout()->addElement(
        0, 0, new QCPTextElement(linePlot_, tr("balancedness (mean/max), 1 = even")));
    line_ = linePlot_->addGraph();
    line_->setPen(QPen(QColor(200, 80, 40), 1.5));
    linePlot_->xAxis->setLabel(tr("step"));
    linePlot_->yAxis->setRange(0, 1.05);
    layout->addWidget(linePlot_, 1);
}

void RankBalanceView::appendStep(int64_t step, const std::vector<double>& rankRows,
                                 double balancedness) {
    latest_ = rankRows;
    lastStep_ = step;
    line_->addData(static_cast<double>(step), balancedness);
    line_->data()->removeBefore(static_cast<double>(step - window_ + 1));
    dirty_ = true;
}

void RankBalanceView::clear() {
    latest_.clear();
    line_->data()->clear();
    bars_->data()->clear();
    dirty_ = true;
    refresh();
}

int RankBalanceView::points() const { return line_->dataCount(); }

void RankBalanceView::refresh() {
    if (!dirty_) return;
    dirty_ = false;
    QVector<double> keys, values;
    double peak = 0;
    for (size_t r = 0; r < latest_.size(); ++r) {
        keys << static_cast<double>(r);
        values << latest_[r];
        peak = std::max(peak, latest_[r]);
    }
    bars_->setData(keys, values, true);
    const int ranks = static_cast<int>(latest_.size());
    barsPlot_->xAxis->setRange(-0.6, std::max(1, ranks) - 0.4);
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    barsPlot_->xAxis->setTicker(ticker);
    barsPlot_->yAxis->setRange(0, peak > 0 ? peak * 1.1 : 1);
    barsPlot_->replot(QCustomPlot::rpQueuedReplot);

    const double first = static_cast<double>(std::max<int64_t>(0, lastStep_ - window_ + 1));
    linePlot_->xAxis->setRange(first, std::max(first + 1, static_cast<double>(lastStep_)));
    linePlot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace moe::widgets
