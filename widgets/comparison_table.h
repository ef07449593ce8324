// Side-by-side numbers of predictors and policies across the live run and stored runs: which
// predictor forecasts loads best at which horizon and at what cost, which policy balanced best
// and what it moved. Two sortable tables in tabs; numeric columns sort by value, not by text
// (so 9% comes before 10%), and a metric a run did not record shows as a dash. Plain rows in.
#pragma once

#include <QString>
#include <QWidget>
#include <cstdint>
#include <limits>
#include <vector>

class QTabWidget;
class QTableWidget;

namespace moe::widgets {

// One predictor at one horizon in one run. Errors are fractions (0.1 = 10%); NaN = not known.
struct PredictorRow {
    QString name;
    int horizon = 1;  // steps ahead
    double meanRelativeError = 0;
    double p50 = 0;
    double p95 = 0;
    int64_t samples = 0;
    double microsPerForecast = 0;
    QString run;
    // Token-to-expert predictors only (NaN for load predictors): the share of tokens whose
    // first expert was guessed right, and the mean share of their top-k set guessed.
    double accuracy = std::numeric_limits<double>::quiet_NaN();
    double topKOverlap = std::numeric_limits<double>::quiet_NaN();
};

// One placement policy in one run. NaN = not known.
struct PolicyRow {
    QString name;
    QString run;
    int rebalances = 0;
    double balancednessBefore = 0;  // mean over rebalances, 1 = even
    double balancednessAfter = 0;
    double modelledSlowestMs = 0;  // slowest rank's time, performance model
    double measuredSlowestMs = 0;  // slowest rank's time, measured
    int64_t movedExperts = 0;
};

class ComparisonTable : public QWidget {
    Q_OBJECT
public:
    explicit ComparisonTable(QWidget* parent = nullptr);

    // Replace the rows; the current sort column and order are kept.
    void setPredictorRows(const std::vector<PredictorRow>& rows);
    void setPolicyRows(const std::vector<PolicyRow>& rows);
    QTableWidget* predictorTable() const { return predictors_; }
    QTableWidget* policyTable() const { return policies_; }
    QTabWidget* tabs() const { return tabs_; }

    // Column numbers, for callers and tests that sort or read a column.
    enum PredictorColumn {
        kPredName,
        kPredRun,
        kPredHorizon,
        kPredMean,
        kPredP50,
        kPredP95,
        kPredSamples,
        kPredCost,
        kPredAccuracy,
        kPredOverlap,
        kPredColumns
    };
    enum PolicyColumn {
        kPolName,
        kPolRun,
        kPolRebalances,
        kPolBefore,
        kPolAfter,
        kPolModelled,
        kPolMeasured,
        kPolMoved,
        kPolColumns
    };

private:
    QTabWidget* tabs_;
    QTableWidget* predictors_;
    QTableWidget* policies_;
};

}  // namespace moe::widgets
