// The strategy map's inputs measured instead of assumed: each predictor compared in a stored
// `predict` or `run` (its share error and cost; for token-level ones their accuracy), or each
// combination of a stored `whatif` (the imbalance its plans actually left and its cost).
// Families the run did not measure keep MoE-GPS's assumed figures, and every strategy says
// which it is, so a map never passes an assumption off as a measurement.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/balance/perf_model.h"
#include "core/store/sqlite_connection.h"
#include "core/store/store_records.h"

namespace moe {

struct SourcedStrategy {
    Strategy strategy;
    bool measured = false;
    std::string source;  // "run 12, horizon 1" / "what-if run 3, eplb every 1" / "assumed ..."
};

struct MeasuredStrategies {
    int64_t runId = 0;
    std::string runName;
    double skew = 0;  // the run's mean max/mean expert load per step (0 when not recorded)
    std::vector<SourcedStrategy> strategies;  // none first
    std::set<std::string> coveredFamilies;    // assumed families the measured ones replace
    std::vector<Strategy> plain() const;
};

// Throws moe::Error naming the run when it holds no predictor figures at all (a run without
// compared predictors, or a what-if without predictor rows).
MeasuredStrategies measuredStrategies(store::SqliteConnection& db, const store::RunRecord& run,
                                      const PerfConfig& config);

// One line per strategy: name, kind, error or accuracy, cost, measured or assumed and where.
std::string describeStrategies(const MeasuredStrategies& m);

}  // namespace moe
