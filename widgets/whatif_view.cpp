// See whatif_view.h.
#include "widgets/whatif_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "widgets/export_util.h"
#include "widgets/palette.h"
#include "widgets/plot_util.h"

namespace moe::widgets {

namespace {
constexpr double kScaleLow = -0.25;  // colourFor is full red from here down
const QString kAllVariants = QStringLiteral("all");

bool isBound(const WhatIfCell& c) { return c.predictor == "contiguous" || c.predictor == "oracle"; }

QString percent(double share) { return QString::number(100 * share, 'f', 1) + "%"; }

QString variantOf(const WhatIfCell& c) {
    if (c.spareOnly) return QStringLiteral("spare slots only");
    return c.relabelled ? QStringLiteral("relabelled") : QStringLiteral("as planned");
}

// Copies of 50 GiB a step must not read as "51200.0 MiB".
QString bytesText(double mib) {
    return mib >= 1024 ? QString::number(mib / 1024, 'f', 1) + QStringLiteral("\u00A0GiB")
                       : QString::number(mib, 'f', 1) + QStringLiteral("\u00A0MiB");
}

// Modelled step times run from microseconds (a small model) to seconds (50 GiB of copies).
QString timeText(double ms) {
    // A no-break space: a wrapped summary must not leave the unit alone on the next line.
    return ms >= 1 ? QString::number(ms, 'f', ms >= 100 ? 0 : 1) + QStringLiteral("\u00A0ms")
                   : QString::number(ms * 1e3, 'f', ms >= 0.1 ? 0 : 1) + QStringLiteral("\u00A0us");
}

QString scheduleText(const QString& schedule) {
    if (schedule.startsWith('<'))
        return QStringLiteral("when the forecast's balancedness is below %1").arg(schedule.mid(1));
    return schedule == "1" ? QStringLiteral("every step")
                           : QStringLiteral("every %1 steps").arg(schedule);
}

// The grid's legend: the scale colourFor draws, from -25% (and below) to 100%, ticked every
// 25%, so a reader need not guess what a shade of green means.
class ColourScale : public QWidget {
public:
    explicit ColourScale(QWidget* parent) : QWidget(parent) {
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        setToolTip(QStringLiteral(
            "Share of the gap between contiguous (0%) and the policy's oracle (100%) a "
            "combination closed; red: worse than not rebalancing; grey: not in the matrix"));
    }
    QSize sizeHint() const override {
        const QFontMetrics fm(font());
        return {fm.horizontalAdvance(QStringLiteral("-25%  0%  25%  50%  75%  100%")) * 2,
                fm.height() * 2 + 4};
    }
    QSize minimumSizeHint() const override { return {160, sizeHint().height()}; }

protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        const QFontMetrics fm(font());
        const int pad = fm.horizontalAdvance(QStringLiteral("100%")) / 2 + 2;
        const QRect bar(pad, 1, std::max(2, width() - 2 * pad), fm.height() - 2);
        const auto xOf = [&](double gap) {
            return bar.left() + static_cast<int>(std::lround((gap - kScaleLow) / (1 - kScaleLow) *
                                                             (bar.width() - 1)));
        };
        for (int x = 0; x < bar.width(); ++x) {
            p.setPen(WhatIfView::colourFor(kScaleLow + (1 - kScaleLow) * x / (bar.width() - 1)));
            p.drawLine(bar.left() + x, bar.top(), bar.left() + x, bar.bottom());
        }
        p.setPen(QColor(150, 150, 150));
        p.drawRect(bar.adjusted(0, 0, -1, -1));
        p.setPen(palette().color(QPalette::WindowText));
        for (int i = 0; i <= 5; ++i) {
            const double gap = kScaleLow + 0.25 * i;
            const int x = xOf(gap);
            p.drawLine(x, bar.bottom(), x, bar.bottom() + 2);
            p.drawText(QRect(x - 30, bar.bottom() + 2, 60, fm.height()), Qt::AlignHCenter,
                       QString::number(std::lround(gap * 100)) + "%");
        }
    }
};
}  // namespace

WhatIfView::WhatIfView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    buildGridPanel();
    buildCurvePanel();
    // Side by side: the views' docks are wide and short.
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(gridPanel_);
    split->addWidget(curvePanel_);
    split->setSizes({5000, 4000});  // proportions; the grid's size hint would take it all
    layout->addWidget(split, 1);
    connect(scheduleBox_, &QComboBox::currentTextChanged, this, [this] { refill(); });
    connect(variantBox_, &QComboBox::currentTextChanged, this, [this] { refill(); });
    connect(grid_, &QTableWidget::cellClicked, this,
            [this](int row, int column) { showCurve(row, column); });
    clear();
}

// The title and selectors over the grid and its colour scale: one panel, so a picture of it
// says which workload and schedule its colours are for.
void WhatIfView::buildGridPanel() {
    gridPanel_ = new QWidget(this);
    auto* gridLayout = new QVBoxLayout(gridPanel_);
    gridLayout->setContentsMargins(2, 2, 2, 2);
    auto* top = new QHBoxLayout;
    title_ = new QLabel(tr("No what-if matrix yet: Run > What-if matrix (Ctrl+W), or open a "
                           "stored what-if run"),
                        gridPanel_);
    title_->setWordWrap(true);
    scheduleBox_ = new QComboBox(gridPanel_);
    scheduleBox_->setObjectName(QStringLiteral("whatIfSchedule"));
    scheduleBox_->setToolTip(
        tr("Rebalance schedule: every N steps, or <b = whenever the "
           "forecast's balancedness falls below b"));
    variantLabel_ = new QLabel(tr("Plans:"), gridPanel_);
    variantBox_ = new QComboBox(gridPanel_);
    variantBox_->setObjectName(QStringLiteral("whatIfPlans"));
    variantBox_->setToolTip(
        tr("as planned: the policy's placements; relabelled: the same placements with ranks "
           "renamed to keep replicas in place (same balance, fewer copies); spare slots only: "
           "replicas only beside a fixed contiguous base"));
    top->addWidget(title_, 1);
    top->addWidget(variantLabel_);
    top->addWidget(variantBox_);
    top->addWidget(new QLabel(tr("Schedule:"), gridPanel_));
    top->addWidget(scheduleBox_);
    grid_ = new QTableWidget(gridPanel_);
    grid_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    grid_->setSelectionMode(QAbstractItemView::NoSelection);  // the shown cell is marked
    grid_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    // Rows share the height (a short list reads as blocks of colour, not a strip above white),
    // down to a line of text each; more than fit, and the grid scrolls.
    grid_->verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    grid_->verticalHeader()->setMinimumSectionSize(22);
    auto* legend = new QHBoxLayout;
    legend->addWidget(new QLabel(tr("Gap closed:"), gridPanel_));
    scale_ = new ColourScale(gridPanel_);
    legend->addWidget(scale_, 1);
    gridLayout->addLayout(top);
    gridLayout->addWidget(grid_, 1);
    gridLayout->addLayout(legend);
}

void WhatIfView::buildCurvePanel() {
    curvePanel_ = new QWidget(this);
    auto* lowerLayout = new QVBoxLayout(curvePanel_);
    lowerLayout->setContentsMargins(2, 2, 2, 2);
    plot_ = new QCustomPlot(curvePanel_);
    plot_->setMinimumSize(300, 160);
    plot_->xAxis->setLabel(tr("step"));
    plot_->xAxis->setTicker(plotutil::wholeTicker());
    plot_->yAxis->setLabel(tr("slowest rank / ideal"));
    plotutil::tightenMargins(plot_->axisRect());
    // Legend in a band kept free above the curves (as the rank balance view): one row.
    plot_->legend->setVisible(true);
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setWrap(3);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    // The legend's band depends on the plot's height: refit when a new curve comes or the
    // height changed, but not on every replot (that would undo the user's drag and zoom).
    connect(plot_, &QCustomPlot::afterLayout, this, [this] {
        if (!fitY_ && plot_->axisRect()->height() == fittedHeight_) return;
        fitY_ = false;
        fittedHeight_ = plot_->axisRect()->height();
        fitCurveAxes();
    });
    addExportContextMenu(plot_);
    summary_ = new QLabel(curvePanel_);
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    lowerLayout->addWidget(plot_, 1);
    lowerLayout->addWidget(summary_);
}

QColor WhatIfView::colourFor(double gap) {
    if (!std::isfinite(gap)) return QColor(235, 235, 235);
    if (gap < 0) {
        const double t = std::min(1.0, gap / kScaleLow);
        return QColor(255, static_cast<int>(255 - 140 * t), static_cast<int>(255 - 140 * t));
    }
    const double t = std::min(1.0, gap);
    return QColor(static_cast<int>(247 - 200 * t), static_cast<int>(252 - 92 * t),
                  static_cast<int>(245 - 180 * t));
}

void WhatIfView::setMatrix(const QString& title, std::vector<WhatIfCell> rows) {
    rows_ = std::move(rows);
    title_->setText(title);
    const auto refillBox = [](QComboBox* box, const QStringList& items) {
        const QString keep = box->currentText();
        const QSignalBlocker block(box);
        box->clear();
        box->addItems(items);
        if (items.contains(keep)) box->setCurrentText(keep);
    };
    refillBox(scheduleBox_, schedules());
    refillBox(variantBox_, variants());
    variantLabel_->setVisible(variantBox_->count() > 1);
    variantBox_->setVisible(variantBox_->count() > 1);
    fillGrid();
    showBest();
}

void WhatIfView::clear() { setMatrix(title_->text(), {}); }

QStringList WhatIfView::schedules() const {
    QStringList out;
    for (const WhatIfCell& c : rows_)
        if (!isBound(c) && c.preset.isEmpty() && !out.contains(c.schedule)) out << c.schedule;
    return out;
}

QStringList WhatIfView::variants() const {
    QStringList out;
    for (const WhatIfCell& c : rows_)
        if (c.predictor == "oracle" && !out.contains(variantOf(c))) out << variantOf(c);
    if (out.size() > 1) out << kAllVariants;
    return out;
}

QString WhatIfView::variant() const {
    return variantBox_->count() > 1 ? variantBox_->currentText() : kAllVariants;
}

void WhatIfView::setVariant(const QString& v) { variantBox_->setCurrentText(v); }

bool WhatIfView::inVariant(const WhatIfCell& c) const {
    const QString v = variant();
    return v == kAllVariants || variantOf(c) == v;
}

QStringList WhatIfView::predictors() const {
    const QStringList columns = policies();
    QStringList out;
    for (const WhatIfCell& c : rows_) {
        // A stack's default is its own row, under the predictors, in its policy's column.
        const QString name = c.preset.isEmpty() ? c.predictor : c.preset + " default";
        if (!isBound(c) && columns.contains(c.policy) && !out.contains(name)) out << name;
    }
    std::stable_partition(out.begin(), out.end(),
                          [](const QString& n) { return !n.endsWith(" default"); });
    return out;
}

QStringList WhatIfView::policies() const {
    QStringList out;
    for (const WhatIfCell& c : rows_)
        if (c.predictor == "oracle" && inVariant(c) && !out.contains(c.policy)) out << c.policy;
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
                    tr("%1 x %2, %3\nslowest/ideal %4, gap closed %5\nmoved %6 experts (%7) a "
                       "step, predictor %8 us a step, modelled %9 a step")
                        .arg(rows[r], cell->policy, scheduleText(cell->schedule))
                        .arg(cell->slowestOverIdeal, 0, 'f', 4)
                        .arg(percent(cell->gapClosed))
                        .arg(cell->movedPerStep, 0, 'f', 2)
                        .arg(bytesText(cell->mibPerStep))
                        .arg(cell->predictorUs, 0, 'f', 1)
                        .arg(timeText(cell->modelledMs)));
            grid_->setItem(r, c, item);
        }
}

void WhatIfView::refill() {
    const QString predictor = shownPredictor_, policy = shownPolicy_;
    fillGrid();
    const int r = static_cast<int>(predictors().indexOf(predictor));
    const int c = static_cast<int>(policies().indexOf(policy));
    if (r >= 0 && c >= 0 && find(predictor, policy, schedule()))
        showCurve(r, c);
    else
        showBest();
}

// The best combination of the schedule shown: the lowest slowest/ideal.
void WhatIfView::showBest() {
    const QStringList rows = predictors(), columns = policies();
    int bestRow = -1, bestColumn = -1;
    double best = 1e300;
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < columns.size(); ++c)
            if (const WhatIfCell* cell = find(rows[r], columns[c], schedule());
                cell && cell->slowestOverIdeal < best) {
                best = cell->slowestOverIdeal;
                bestRow = r;
                bestColumn = c;
            }
    showCurve(bestRow, bestColumn);
}

QString WhatIfView::cellText(int row, int column) const {
    const QTableWidgetItem* item = grid_->item(row, column);
    return item ? item->text().remove(QStringLiteral("\u25B6 ")) : QString();
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

// The shown cell in bold behind a marker, so it stays findable without a selection colour
// over the gap-closed colour.
void WhatIfView::markShown(int row, int column) {
    for (int r = 0; r < grid_->rowCount(); ++r)
        for (int c = 0; c < grid_->columnCount(); ++c)
            if (QTableWidgetItem* item = grid_->item(r, c)) {
                const bool shown = r == row && c == column;
                QFont f = item->font();
                f.setBold(shown);
                item->setFont(f);
                const QString text = item->text().remove(QStringLiteral("\u25B6 "));
                item->setText(shown ? QStringLiteral("\u25B6 ") + text : text);
            }
}

void WhatIfView::showCurve(int row, int column) {
    plot_->clearGraphs();
    summary_->clear();
    shownPredictor_.clear();
    shownPolicy_.clear();
    const QStringList rows = predictors(), columns = policies();
    const WhatIfCell* cell = row < 0 || column < 0 || row >= rows.size() || column >= columns.size()
                                 ? nullptr
                                 : find(rows[row], columns[column], schedule());
    markShown(cell ? row : -1, cell ? column : -1);
    if (!cell) {
        plot_->replot();
        return;
    }
    shownPredictor_ = rows[row];
    shownPolicy_ = columns[column];
    QPen contiguousPen(QColor(110, 110, 110), 1.2, Qt::DashLine);
    QPen oraclePen(palette::series(2).darker(130), 1.2, Qt::DashLine);
    if (const WhatIfCell* c = bound("contiguous", {}))
        addCurve(*c, tr("contiguous (%1)").arg(c->slowestOverIdeal, 0, 'f', 3), contiguousPen);
    if (const WhatIfCell* o = bound("oracle", cell->policy))
        addCurve(*o, tr("oracle %1 (%2)").arg(o->policy).arg(o->slowestOverIdeal, 0, 'f', 3),
                 oraclePen);
    addCurve(*cell,
             tr("%1 x %2, %3 (%4)")
                 .arg(rows[row], cell->policy, scheduleText(cell->schedule))
                 .arg(cell->slowestOverIdeal, 0, 'f', 3),
             palette::seriesPen(0, 1.4));
    plotutil::compactLegend(plot_->legend, plotutil::smaller(font(), 1.5));
    plot_->xAxis->setRange(0, std::max<double>(1, static_cast<double>(cell->curve.size()) - 1));
    fitY_ = true;
    plot_->replot();  // fitCurveAxes runs after the layout, with the legend's height known
    summary_->setText(figures(*cell));
}

// y from 1 (or the lowest point) to the 98th percentile of the curves and a little more, so
// the first steps' spike (few sequences in flight, nothing learnt yet) does not flatten the
// rest; then a band above for the legend. Drag and wheel reach what is cut.
void WhatIfView::fitCurveAxes() {
    std::vector<double> values;
    for (int i = 0; i < plot_->graphCount(); ++i)
        for (const QCPGraphData& d : *plot_->graph(i)->data()) values.push_back(d.value);
    if (values.empty() || plot_->axisRect()->height() <= 0) return;
    const double low = std::min(1.0, *std::min_element(values.begin(), values.end()));
    auto at = values.begin() + static_cast<std::ptrdiff_t>(0.98 * (values.size() - 1));
    std::nth_element(values.begin(), at, values.end());
    const double high = std::max(low + 0.01, *at);
    const double band = std::clamp(
        (plot_->legend->minimumOuterSizeHint().height() + 6.0) / plot_->axisRect()->height(), 0.0,
        0.45);
    plot_->yAxis->setRange(low - 0.02 * (high - low), low + (high - low) * 1.15 / (1 - band));
}

QString WhatIfView::figures(const WhatIfCell& cell) const {
    const WhatIfCell* contiguous = bound("contiguous", {});
    const WhatIfCell* oracle = bound("oracle", cell.policy);
    QString text =
        tr("<b>%1 x %2</b>, %3: slowest/ideal %4 (contiguous %5, oracle %6), <b>%7 of the "
           "gap</b> closed. A step: %8 experts (%9) moved")
            .arg(shownPredictor_, cell.policy, scheduleText(cell.schedule))
            .arg(cell.slowestOverIdeal, 0, 'f', 3)
            .arg(contiguous ? QString::number(contiguous->slowestOverIdeal, 'f', 3) : "-")
            .arg(oracle ? QString::number(oracle->slowestOverIdeal, 'f', 3) : "-")
            .arg(percent(cell.gapClosed))
            .arg(cell.movedPerStep, 0, 'f', 1)
            .arg(bytesText(cell.mibPerStep));
    text += tr(", predictor %1 us, modelled %2 (contiguous %3).")
                .arg(cell.predictorUs, 0, 'f', 1)
                .arg(timeText(cell.modelledMs))
                .arg(contiguous ? timeText(contiguous->modelledMs) : QString("-"));
    return text;
}

QString WhatIfView::summary() const { return summary_->text(); }

int WhatIfView::curveCount() const { return plot_->graphCount(); }

QString WhatIfView::curveTitle() const {
    return plot_->graphCount() ? plot_->graph(plot_->graphCount() - 1)->name() : QString();
}

}  // namespace moe::widgets
