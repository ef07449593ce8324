// See rank_balance_view.h. Four panels in one QCustomPlot (one export, one replot): the latest
// step's bars on the left, the time series on the right. Panels for data a run does not have
// (busy times, modelled/measured times) are taken out of the layout rather than left empty.
// Series keep only the last `window_` points so memory stays flat however long a run goes.
#include "widgets/rank_balance_view.h"

#include <qcustomplot.h>

#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/export_util.h"
#include "widgets/palette.h"
#include "widgets/plot_util.h"

namespace moe::widgets {

namespace {

bool holds(QCPLayoutGrid* grid, QCPLayoutElement* element) {
    for (int i = 0; i < grid->elementCount(); ++i)
        if (grid->elementAt(i) == element) return true;
    return false;
}

QCPItemStraightLine* meanLine(QCustomPlot* plot, QCPAxisRect* rect) {
    auto* line = new QCPItemStraightLine(plot);
    line->setClipAxisRect(rect);
    line->setClipToAxisRect(true);
    for (QCPItemPosition* p : {line->point1, line->point2}) {
        p->setAxisRect(rect);
        p->setAxes(rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft));
    }
    QPen pen(QColor(60, 60, 60), 1, Qt::DashLine);
    line->setPen(pen);
    line->setVisible(false);
    return line;
}

void setBarsData(QCPBars* bars, QCPItemStraightLine* mean, const std::vector<double>& values,
                 double scale) {
    QVector<double> keys, vals;
    double peak = 0, sum = 0;
    for (size_t r = 0; r < values.size(); ++r) {
        const double v = std::isfinite(values[r]) ? values[r] * scale : 0.0;
        keys << static_cast<double>(r);
        vals << v;
        peak = std::max(peak, v);
        sum += v;
    }
    bars->setData(keys, vals, true);
    QCPAxis* x = bars->keyAxis();
    x->setRange(-0.6, std::max<double>(1, static_cast<double>(values.size())) - 0.4);
    bars->valueAxis()->setRange(0, peak > 0 ? peak * 1.12 : 1);
    const double m = values.empty() ? 0 : sum / static_cast<double>(values.size());
    mean->point1->setCoords(0, m);
    mean->point2->setCoords(1, m);
    mean->setVisible(!values.empty());
}

// The share of `rect`'s height its top-right legend takes (0 when hidden or empty), capped so
// the curves keep most of the panel: the axes' ranges leave that band above the data.
double legendBand(QCPLegend* legend, QCPAxisRect* rect) {
    if (!legend->visible() || legend->itemCount() == 0 || rect->height() <= 0) return 0;
    const double needed = legend->minimumOuterSizeHint().height() + 4;
    return std::clamp(needed / rect->height(), 0.0, 0.45);
}

}  // namespace

// The balancedness panel's curves: the run's balancedness, its two bounds (dashed, joining the
// legend with their first point) and the expert skew on the right axis.
void RankBalanceView::buildBalanceGraphs() {
    plot_->xAxis->setTicker(plotutil::wholeTicker());
    plot_->yAxis->setLabelColor(palette::balancedness());
    plot_->yAxis->setTickLabelColor(palette::balancedness().darker(120));
    plot_->yAxis->setRange(0, 1.05);
    plot_->yAxis2->setVisible(true);
    plot_->yAxis2->setLabelColor(palette::skewness());
    plot_->yAxis2->setTickLabelColor(palette::skewness());
    balance_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    balance_->setName(tr("balancedness"));
    balance_->setPen(QPen(palette::balancedness(), 1.6));
    skew_ = plot_->addGraph(plot_->xAxis, plot_->yAxis2);
    skew_->setName(tr("expert skew"));
    skew_->setPen(QPen(palette::skewness(), 1.2));
    contiguous_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    contiguous_->setName(tr("contiguous"));
    contiguous_->setPen(QPen(palette::balancedness().lighter(150), 1.0, Qt::DashLine));
    contiguous_->removeFromLegend();
    oracle_ = plot_->addGraph(plot_->xAxis, plot_->yAxis);
    oracle_->setName(tr("oracle"));
    oracle_->setPen(QPen(palette::balancedness().darker(170), 1.3, Qt::DashDotLine));
    oracle_->removeFromLegend();
    balance_->addToLegend();
}

// Tokens and busy time per rank at the latest step, each with its mean as a dashed line.
void RankBalanceView::buildBarPanels() {
    auto barsPanel = [&](QCPAxisRect* rect, const QColor& colour) {
        QCPAxis* x = rect->axis(QCPAxis::atBottom);
        x->setTicker(plotutil::wholeTicker());
        x->grid()->setVisible(false);
        auto* bars = new QCPBars(x, rect->axis(QCPAxis::atLeft));
        bars->setWidth(0.7);
        bars->setBrush(colour);
        bars->setPen(QPen(colour.darker(140)));
        return bars;
    };
    rowBars_ = barsPanel(rowsRect_, palette::rows());
    busyBars_ = barsPanel(busyRect_, palette::busy());
    rowsMean_ = meanLine(plot_, rowsRect_);
    busyMean_ = meanLine(plot_, busyRect_);
}

// The slowest rank's time panel: modelled (rate only), measured, and the model fitted to the
// run so far, which joins the legend once the fit has a value (appendStep).
void RankBalanceView::buildTimeGraphs() {
    QCPAxis* tx = timeRect_->axis(QCPAxis::atBottom);
    tx->setTicker(plotutil::wholeTicker());
    modelled_ = plot_->addGraph(tx, timeRect_->axis(QCPAxis::atLeft));
    modelled_->setName(tr("modelled"));
    modelled_->setPen(QPen(palette::modelled(), 1.4));
    measured_ = plot_->addGraph(tx, timeRect_->axis(QCPAxis::atLeft));
    measured_->setName(tr("measured"));
    measured_->setPen(QPen(palette::measured(), 1.4));
    fitted_ = plot_->addGraph(tx, timeRect_->axis(QCPAxis::atLeft));
    fitted_->setName(tr("modelled, fitted"));
    fitted_->setPen(QPen(palette::modelled(), 1.4, Qt::DashLine));
    timeLegend_ = new QCPLegend;
    timeRect_->insetLayout()->addElement(timeLegend_, Qt::AlignTop | Qt::AlignRight);
    timeLegend_->setLayer(QStringLiteral("legend"));
    modelled_->addToLegend(timeLegend_);
    measured_->addToLegend(timeLegend_);
    timeLegend_->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    timeLegend_->setWrap(2);
}

RankBalanceView::RankBalanceView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(360, 220);
    plot_->setAutoAddPlottableToLegend(false);

    // The default axis rect becomes the balancedness panel (plot_->xAxis is its step axis).
    // (Moved in one go: QCustomPlot warns when it is asked for an axis rect while it has none.)
    QCPLayoutGrid* main = plot_->plotLayout();
    balanceRect_ = plot_->axisRect();
    left_ = new QCPLayoutGrid;
    right_ = new QCPLayoutGrid;
    main->addElement(0, 1, left_);
    main->addElement(0, 2, right_);
    main->take(balanceRect_);
    right_->addElement(0, 0, balanceRect_);
    main->simplify();
    main->setColumnStretchFactor(0, 1);
    main->setColumnStretchFactor(1, 2);
    main->setColumnSpacing(0);
    left_->setRowSpacing(0);
    right_->setRowSpacing(0);
    rowsRect_ = new QCPAxisRect(plot_);
    busyRect_ = new QCPAxisRect(plot_);
    timeRect_ = new QCPAxisRect(plot_);

    buildBarPanels();

    buildBalanceGraphs();
    plot_->legend->setVisible(true);
    // Legends lie in a band kept free above the curves (see legendBand), two entries a row,
    // so they never hide the skew or the modelled curve, wherever those run.
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setWrap(2);
    balanceRect_->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);

    buildTimeGraphs();
    for (QCPAxisRect* rect : {rowsRect_, busyRect_, balanceRect_, timeRect_})
        plotutil::tightenMargins(rect);

    // Line the panels of each column up on their left edge, so the axes read as one column.
    auto* leftGroup = new QCPMarginGroup(plot_);
    rowsRect_->setMarginGroup(QCP::msLeft | QCP::msRight, leftGroup);
    busyRect_->setMarginGroup(QCP::msLeft | QCP::msRight, leftGroup);
    auto* rightGroup = new QCPMarginGroup(plot_);
    balanceRect_->setMarginGroup(QCP::msLeft | QCP::msRight, rightGroup);
    timeRect_->setMarginGroup(QCP::msLeft | QCP::msRight, rightGroup);

    arrange();
    updateLabels();
    layout->addWidget(plot_, 1);
    addExportContextMenu(plot_);
    setMinimumSize(380, 240);
}

void RankBalanceView::arrange() {
    for (QCPLayoutGrid* grid : {left_, right_})
        for (QCPAxisRect* rect : {rowsRect_, busyRect_, balanceRect_, timeRect_})
            if (holds(grid, rect)) grid->take(rect);
    left_->simplify();
    right_->simplify();
    left_->addElement(0, 0, rowsRect_);
    if (showBusy_) left_->addElement(1, 0, busyRect_);
    right_->addElement(0, 0, balanceRect_);
    if (showTimes_) right_->addElement(1, 0, timeRect_);
    busyRect_->setVisible(showBusy_);
    timeRect_->setVisible(showTimes_);
    plot_->yAxis2->setVisible(showSkew_);
    skew_->setVisible(showSkew_);
    if (showSkew_ && !plot_->legend->hasItemWithPlottable(skew_)) skew_->addToLegend();
}

void RankBalanceView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    const bool compact = plotutil::isCompact(size());
    if (compact == compact_) return;
    compact_ = compact;
    updateLabels();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void RankBalanceView::updateLabels() {
    const bool c = compact_;
    const QFont title = plotutil::smaller(font(), c ? 1.5 : 1);
    const QString step = haveLive_ ? QString::number(lastStep_) : QString();
    plotutil::setRectTitle(
        rowsRect_,
        c ? (haveLive_ ? tr("tokens/rank, step %1").arg(step) : tr("tokens/rank"))
          : (haveLive_ ? tr("tokens per rank, step %1").arg(step) : tr("tokens per rank")),
        title);
    plotutil::setRectTitle(busyRect_, c ? tr("busy ms/rank") : tr("busy time per rank"), title);
    plotutil::setRectTitle(balanceRect_, c ? tr("balancedness, skew") : tr("balance over steps"),
                           title);
    plotutil::setRectTitle(timeRect_, c ? tr("slowest rank (ms)") : tr("slowest rank per step"),
                           title);
    // In a dock the titles carry the units and the tick colours tell the two y axes apart.
    for (QCPAxisRect* rect : {rowsRect_, busyRect_})
        rect->axis(QCPAxis::atBottom)->setLabel(c ? QString() : tr("rank"));
    rowsRect_->axis(QCPAxis::atLeft)->setLabel(c ? QString() : tr("tokens"));
    busyRect_->axis(QCPAxis::atLeft)->setLabel(c ? QString() : tr("busy (ms)"));
    plot_->xAxis->setLabel(c ? QString() : tr("step"));
    plot_->yAxis->setLabel(c ? QString() : tr("balancedness (1 = even)"));
    plot_->yAxis2->setLabel(c ? QString() : tr("skew (max/mean)"));
    timeRect_->axis(QCPAxis::atBottom)->setLabel(tr("step"));
    timeRect_->axis(QCPAxis::atLeft)->setLabel(c ? QString() : tr("time (ms)"));
    for (QCPAxisRect* rect : {rowsRect_, busyRect_, balanceRect_, timeRect_})
        plotutil::setAxisFonts(rect, font(), c);
    const QFont legendFont = plotutil::smaller(font(), c ? 2 : 1.5);
    plotutil::compactLegend(plot_->legend, legendFont);
    plotutil::compactLegend(timeLegend_, legendFont);
}

void RankBalanceView::appendStep(const RankStep& s) {
    latestRows_ = s.rankRows;
    latestBusy_ = s.rankBusySeconds;
    lastStep_ = s.step;
    haveLive_ = true;
    const double key = static_cast<double>(s.step);
    if (std::isfinite(s.balancedness)) balance_->addData(key, s.balancedness);
    // A bound joins the legend with its first point: runs without a policy have neither, and
    // MoETuner runs no oracle.
    for (auto [graph, value] : {std::pair{contiguous_, s.contiguousBalancedness},
                                std::pair{oracle_, s.oracleBalancedness}}) {
        if (!std::isfinite(value)) continue;
        if (graph->dataCount() == 0) graph->addToLegend();
        graph->addData(key, value);
    }
    if (std::isfinite(s.skewness)) skew_->addData(key, s.skewness);
    if (std::isfinite(s.modelledSeconds)) modelled_->addData(key, s.modelledSeconds * 1e3);
    if (std::isfinite(s.measuredSeconds)) measured_->addData(key, s.measuredSeconds * 1e3);
    if (std::isfinite(s.fittedSeconds)) {
        if (fitted_->dataCount() == 0) fitted_->addToLegend(timeLegend_);
        fitted_->addData(key, s.fittedSeconds * 1e3);
    }
    const bool busy = showBusy_ || !s.rankBusySeconds.empty();
    const bool times =
        showTimes_ || std::isfinite(s.modelledSeconds) || std::isfinite(s.measuredSeconds);
    const bool skew = showSkew_ || std::isfinite(s.skewness);
    if (busy != showBusy_ || times != showTimes_ || skew != showSkew_) {
        showBusy_ = busy;
        showTimes_ = times;
        showSkew_ = skew;
        arrange();
    }
    dirty_ = true;
}

void RankBalanceView::appendStep(int64_t step, const std::vector<double>& rankRows,
                                 double balancedness) {
    RankStep s;
    s.step = step;
    s.rankRows = rankRows;
    s.balancedness = balancedness;
    appendStep(s);
}

void RankBalanceView::clear() {
    latestRows_.clear();
    latestBusy_.clear();
    for (QCPGraph* g : {balance_, skew_, modelled_, measured_, fitted_, contiguous_, oracle_})
        g->data()->clear();
    fitted_->removeFromLegend(timeLegend_);
    contiguous_->removeFromLegend();
    oracle_->removeFromLegend();
    rowBars_->data()->clear();
    busyBars_->data()->clear();
    haveLive_ = false;
    lastStep_ = 0;
    showBusy_ = showTimes_ = showSkew_ = false;
    skew_->removeFromLegend();
    arrange();
    dirty_ = true;
    refresh();
}

int RankBalanceView::points() const { return balance_->dataCount(); }

void RankBalanceView::setOverlay(const QString& name, const std::vector<int64_t>& steps,
                                 const std::vector<double>& balancedness) {
    QCPGraph* g = nullptr;
    for (auto& [n, graph] : overlays_)
        if (n == name) g = graph;
    if (!g) {
        g = plot_->addGraph(plot_->xAxis, plot_->yAxis);
        g->setName(name);
        g->setPen(palette::overlayPen(static_cast<int>(overlays_.size()), 1.3));
        g->addToLegend();
        overlays_.emplace_back(name, g);
    }
    plotutil::setFiniteSeries(g, steps, balancedness);
    dirty_ = true;
}

void RankBalanceView::clearOverlays() {
    for (auto& overlay : overlays_) plot_->removeGraph(overlay.second);
    overlays_.clear();
    dirty_ = true;
    refresh();
}

void RankBalanceView::refresh() {
    if (!dirty_) return;
    dirty_ = false;
    setBarsData(rowBars_, rowsMean_, latestRows_, 1.0);
    setBarsData(busyBars_, busyMean_, latestBusy_, 1e3);
    updateLabels();  // the step in the bars' title

    double first = 0, last = 1;
    if (haveLive_) {
        first = static_cast<double>(std::max<int64_t>(0, lastStep_ - window_ + 1));
        last = std::max(first + 1, static_cast<double>(lastStep_));
        for (QCPGraph* g : {balance_, skew_, modelled_, measured_, fitted_, contiguous_, oracle_})
            g->data()->removeBefore(first);
    } else {
        plotutil::overlayKeyRange(overlays_, first, last);
    }
    plotutil::fitCurvesToDensity(plot_, timeRect_, last - first);
    plot_->xAxis->setRange(first, last);
    timeRect_->axis(QCPAxis::atBottom)->setRange(first, last);

    bool found = false;
    const QCPRange skewRange = skew_->data()->valueRange(found);
    const double balanceBand = legendBand(plot_->legend, balanceRect_);
    plot_->yAxis->setRange(0, 1.05 / (1 - balanceBand));
    const double skewLow = std::min(1.0, found ? skewRange.lower : 1.0);
    const double skewHigh = found ? std::max(2.0, skewRange.upper * 1.1) : 2.0;
    plot_->yAxis2->setRange(skewLow, skewLow + (skewHigh - skewLow) / (1 - balanceBand));
    double peakTime = 0;
    for (QCPGraph* g : {modelled_, measured_, fitted_}) {
        const QCPRange r = g->data()->valueRange(found);
        if (found) peakTime = std::max(peakTime, r.upper);
    }
    timeRect_->axis(QCPAxis::atLeft)
        ->setRange(0,
                   (peakTime > 0 ? peakTime * 1.1 : 1) / (1 - legendBand(timeLegend_, timeRect_)));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace moe::widgets
