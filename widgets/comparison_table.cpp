// See comparison_table.h. Numbers are kept in Qt::UserRole beside their formatted text, and a
// QTableWidgetItem subclass sorts by them; not-known values sort last whichever way the column
// is sorted, so they never push the real numbers off the top.
#include "widgets/comparison_table.h"

#include <QHeaderView>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <limits>
#include <map>

namespace moe::widgets {

namespace {

const QString kDash = QStringLiteral("\u2014");

class NumberItem : public QTableWidgetItem {
public:
    NumberItem(double value, const QString& text) : QTableWidgetItem(text) {
        setData(Qt::UserRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        const double a = data(Qt::UserRole).toDouble();
        const double b = other.data(Qt::UserRole).toDouble();
        const bool nanA = std::isnan(a), nanB = std::isnan(b);
        if (nanA || nanB) {
            // Last in either order: ascending puts "smaller" first, descending last.
            const bool descending =
                tableWidget() &&
                tableWidget()->horizontalHeader()->sortIndicatorOrder() == Qt::DescendingOrder;
            if (nanA && nanB) return false;
            return descending ? nanA : nanB;
        }
        return a < b;
    }
};

QString orDash(double v, const QString& text) { return std::isfinite(v) ? text : kDash; }

QTableWidgetItem* percent(double fraction) {
    return new NumberItem(fraction,
                          orDash(fraction, QStringLiteral("%1%").arg(fraction * 100, 0, 'f', 1)));
}

QTableWidgetItem* micros(double us) {
    QString text = us < 1000 ? QStringLiteral("%1 \u00b5s").arg(us, 0, 'f', us < 10 ? 2 : 1)
                             : QStringLiteral("%1 ms").arg(us / 1000, 0, 'f', 2);
    return new NumberItem(us, orDash(us, text));
}

QTableWidgetItem* millis(double ms) {
    QString text = ms < 1000 ? QStringLiteral("%1 ms").arg(ms, 0, 'f', ms < 10 ? 3 : 1)
                             : QStringLiteral("%1 s").arg(ms / 1000, 0, 'f', 2);
    return new NumberItem(ms, orDash(ms, text));
}

QTableWidgetItem* plain(double v, int decimals) {
    return new NumberItem(v, orDash(v, QString::number(v, 'f', decimals)));
}

QTableWidgetItem* count(int64_t v) {
    return new NumberItem(static_cast<double>(v), QString::number(v));
}

QTableWidgetItem* text(const QString& s) { return new QTableWidgetItem(s.isEmpty() ? kDash : s); }

struct Header {
    QString title;
    QString tip;
};

QTableWidget* makeTable(QWidget* parent, const std::vector<Header>& headers) {
    auto* t = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    for (size_t c = 0; c < headers.size(); ++c) {
        auto* item = new QTableWidgetItem(headers[c].title);
        item->setToolTip(headers[c].tip);
        t->setHorizontalHeaderItem(static_cast<int>(c), item);
    }
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setAlternatingRowColors(true);
    t->verticalHeader()->setVisible(false);
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    // Columns as wide as their contents (set on each fill); a stretched last column would
    // push the cost far from its header in a wide dock.
    t->horizontalHeader()->setStretchLastSection(false);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    t->setSortingEnabled(true);
    t->sortByColumn(0, Qt::AscendingOrder);
    return t;
}

// Fills `table` row by row through `fill`, with sorting off meanwhile (else every setItem
// re-sorts and rows scatter), then sorts again by the column the user last chose.
template <class Row, class Fill>
void fillTable(QTableWidget* table, const std::vector<Row>& rows, Fill fill) {
    const int column = table->horizontalHeader()->sortIndicatorSection();
    const Qt::SortOrder order = table->horizontalHeader()->sortIndicatorOrder();
    table->setSortingEnabled(false);
    table->clearContents();
    table->setRowCount(static_cast<int>(rows.size()));
    for (size_t r = 0; r < rows.size(); ++r) fill(static_cast<int>(r), rows[r]);
    table->setSortingEnabled(true);
    table->sortByColumn(column, order);
    table->resizeColumnsToContents();
}

}  // namespace

ComparisonTable::ComparisonTable(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    tabs_ = new QTabWidget(this);
    predictors_ = makeTable(
        this, {{tr("Predictor"), tr("Predictor (load or token-to-expert) and its parameters")},
               {tr("Run"), tr("The live run or the stored run the numbers come from")},
               {tr("Horizon"), tr("Steps ahead the forecast was made")},
               {tr("Mean error"),
                tr("Mean relative error of the forecast per-expert loads: sum |forecast - "
                   "actual| / sum actual, averaged over layers and steps. Lower is better; the "
                   "best per horizon is bold")},
               {tr("p50"), tr("Median relative error over the scored steps")},
               {tr("p95"), tr("95th percentile of the relative error: how bad the bad steps are")},
               {tr("Samples"), tr("Scored forecasts (steps x layers) behind the numbers")},
               {tr("Cost"), tr("Wall time per forecast (all experts of one layer)")},
               {tr("Top-1 acc."),
                tr("Token-to-expert predictors: share of tokens whose first expert was guessed "
                   "right before routing (MoE-GPS's accuracy; error = 1 - accuracy)")},
               {tr("Top-k overlap"),
                tr("Token-to-expert predictors: mean share of each token's k experts that the "
                   "guess got right")}});
    policies_ = makeTable(
        this,
        {{tr("Policy"), tr("Placement policy (and its options)")},
         {tr("Run"), tr("The live run or the stored run the numbers come from")},
         {tr("Rebalances"), tr("How many times the policy re-placed experts")},
         {tr("Balance before"),
          tr("Balancedness (mean/max tokens over ranks, 1 = even) just before a rebalance, "
             "averaged over rebalances")},
         {tr("Balance after"),
          tr("Balancedness the new placement gave on the same loads, averaged over rebalances")},
         {tr("Modelled slowest"),
          tr("The slowest rank's time by the performance model (compute + all-to-all), summed "
             "over the run")},
         {tr("Measured slowest"),
          tr("The slowest rank's measured busy time, summed over layers and steps of the run")},
         {tr("Moved experts"), tr("Expert replicas created or moved, over all rebalances")}});
    tabs_->addTab(predictors_, tr("Predictors"));
    tabs_->addTab(policies_, tr("Policies"));
    layout->addWidget(tabs_);
    setMinimumSize(320, 160);
}

void ComparisonTable::setPredictorRows(const std::vector<PredictorRow>& rows) {
    // The best mean error per horizon is bold: the question the table answers first.
    // A predictor with no scored forecast yet (the run is shorter than its horizon) has no
    // error: shown as a dash, never as a perfect (bold) 0%.
    auto meanOf = [](const PredictorRow& r) {
        return r.samples > 0 ? r.meanRelativeError : std::numeric_limits<double>::quiet_NaN();
    };
    std::map<int, double> best;
    for (const PredictorRow& r : rows)
        if (std::isfinite(meanOf(r))) {
            auto [it, added] = best.emplace(r.horizon, meanOf(r));
            if (!added) it->second = std::min(it->second, meanOf(r));
        }
    fillTable(predictors_, rows, [&](int i, const PredictorRow& r) {
        predictors_->setItem(i, kPredName, text(r.name));
        predictors_->setItem(i, kPredRun, text(r.run));
        predictors_->setItem(i, kPredHorizon, count(r.horizon));
        QTableWidgetItem* mean = percent(meanOf(r));
        if (std::isfinite(meanOf(r)) && meanOf(r) == best[r.horizon]) {
            QFont f = mean->font();
            f.setBold(true);
            mean->setFont(f);
        }
        if (r.samples == 0)
            mean->setToolTip(tr("No forecast scored yet: a forecast is scored once the %1 "
                                "steps it covers have happened")
                                 .arg(r.horizon));
        predictors_->setItem(i, kPredMean, mean);
        predictors_->setItem(i, kPredP50, percent(r.p50));
        predictors_->setItem(i, kPredP95, percent(r.p95));
        predictors_->setItem(i, kPredSamples, count(r.samples));
        predictors_->setItem(i, kPredCost, micros(r.microsPerForecast));
        predictors_->setItem(i, kPredAccuracy, percent(r.accuracy));
        predictors_->setItem(i, kPredOverlap, percent(r.topKOverlap));
    });
}

void ComparisonTable::setPolicyRows(const std::vector<PolicyRow>& rows) {
    fillTable(policies_, rows, [&](int i, const PolicyRow& r) {
        policies_->setItem(i, kPolName, text(r.name));
        policies_->setItem(i, kPolRun, text(r.run));
        policies_->setItem(i, kPolRebalances, count(r.rebalances));
        policies_->setItem(i, kPolBefore, plain(r.balancednessBefore, 3));
        policies_->setItem(i, kPolAfter, plain(r.balancednessAfter, 3));
        policies_->setItem(i, kPolModelled, millis(r.modelledSlowestMs));
        policies_->setItem(i, kPolMeasured, millis(r.measuredSlowestMs));
        policies_->setItem(i, kPolMoved, count(r.movedExperts));
    });
}

}  // namespace moe::widgets
