// Reads one stored run back: one layer's load history (the query the GUI's plots and the
// benchmark care about), every step as the StepTelemetry it was recorded from, predictions,
// decisions and metrics. Streams through callbacks so a million-step run never has to fit in
// memory at once.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/engine/telemetry.h"
#include "core/store/sqlite_connection.h"
#include "core/store/store_records.h"

namespace moe::store {

struct LayerHistory {
    int experts = 0;
    std::vector<int64_t> steps;    // S step numbers, ascending
    std::vector<int64_t> counts;   // S x E, row-major: counts[i * experts + e]
    std::vector<int64_t> dropped;  // S
};

// Per (predictor, horizon): how many errors were recorded and their means over layers and steps.
struct PredictionSummary {
    std::string predictor;
    int horizon = 0;
    int64_t count = 0;
    double relativeError = 0, absoluteError = 0, gpsError = 0, maxExpertError = 0;
};

// Per policy: decisions taken, mean balancedness before and after, experts and bytes moved.
struct DecisionSummary {
    std::string policy;
    int64_t count = 0;
    double balancednessBefore = 0, balancednessAfter = 0;
    int64_t movedExperts = 0, movedBytes = 0;
};

class RunReader {
public:
    // `run` must belong to `db` (ExperimentStore::run()); its shape sizes the decoded arrays.
    RunReader(SqliteConnection& db, RunRecord run);

    const RunRecord& run() const { return run_; }

    // Loads of one layer for steps in [from, to], in step order. Throws naming the file,
    // run, layer and step when a stored blob is damaged.
    LayerHistory layerLoads(int layer, int64_t from = 0,
                            int64_t to = std::numeric_limits<int64_t>::max());

    // Every recorded step in order, rebuilt as the telemetry frame it came from (loads, drops,
    // per-rank rows and busy time, tokens, wall time), all read from one snapshot.
    // Steps in [from, to] only (the GUI's scrubbing reads a window around the slider).
    void forEachStep(const std::function<void(const StepTelemetry&)>& fn, int64_t from = 0,
                     int64_t to = std::numeric_limits<int64_t>::max());
    // The recorded step numbers, ascending.
    std::vector<int64_t> stepNumbers();

    void forEachPrediction(const std::function<void(const PredictionRecord&)>& fn);
    void forEachDecision(const std::function<void(const DecisionRecord&)>& fn);
    std::vector<PredictionSummary> predictionSummary();
    std::vector<DecisionSummary> decisionSummary();
    std::vector<MetricRecord> metrics();
    std::map<std::string, double> runMetrics();  // run-level ones only (no step)

private:
    [[noreturn]] void damaged(const char* table, int layer, int64_t step) const;

    SqliteConnection& db_;
    RunRecord run_;
};

}  // namespace moe::store
