// See measured_strategies.h. Predictors in `predict`/`run` runs: load predictors (and
// dist_only) become distribution strategies with their horizon-1 share error in MoE-GPS's
// units (mean |p^-p| / (1/E)); token-level ones become token-to-expert strategies with their
// top-1 accuracy. What-if rows become distribution strategies whose error is the imbalance
// their plans left, slowest/ideal - 1: the model's (1 + error) x balanced then reproduces the
// measured slowest rank, not a formula's guess of it. Costs are per layer.
#include "core/whatif/measured_strategies.h"

#include <iomanip>
#include <map>
#include <set>
#include <sstream>

#include "core/balance/perf_sweep.h"
#include "core/common/error.h"
#include "core/store/run_reader.h"
#include "core/whatif/whatif_store.h"

namespace moe {

namespace {

// The assumed family a measured predictor stands in for ("" = none: an extra strategy).
std::string familyOf(const std::string& predictor) {
    const std::string name = predictor.substr(0, predictor.find(':'));
    static const std::map<std::string, std::string> families = {{"dist_only", "dist_only"},
                                                                {"t2e_freq", "t2e_frequent"},
                                                                {"t2e_token", "t2e_token_id"},
                                                                {"t2e_position", "t2e_token_id"},
                                                                {"t2e_ffn", "t2e_ffn"}};
    const auto it = families.find(name);
    return it == families.end() ? "" : it->second;
}

double metricOr(const std::map<std::string, double>& m, const std::string& key, double fallback) {
    const auto it = m.find(key);
    return it == m.end() ? fallback : it->second;
}

void fromPredictions(store::RunReader& reader, const std::map<std::string, double>& metrics,
                     MeasuredStrategies& out) {
    const std::string where = "run " + std::to_string(out.runId) + ", horizon 1";
    for (const store::PredictionSummary& p : reader.predictionSummary()) {
        if (p.horizon != 1 || p.predictor == "oracle") continue;
        const double us = metricOr(metrics, "predictor_us_per_layer:" + p.predictor, 0);
        const auto accuracy = metrics.find("predictor_accuracy:" + p.predictor);
        Strategy s = accuracy != metrics.end()
                         ? Strategy::tokenToExpert(p.predictor, accuracy->second, us * 1e-6)
                         : Strategy::distributionOnly(p.gpsError, p.predictor);
        s.predictorSeconds = us * 1e-6;
        out.strategies.push_back({s, true, where});
    }
}

// One strategy per predictor: its best combination (lowest slowest/ideal), so the map compares
// prediction strategies, each at the policy and schedule that suit it.
void fromWhatIf(store::SqliteConnection& db, const store::RunRecord& run, MeasuredStrategies& out) {
    const WhatIfResult r = loadWhatIf(db, run);
    std::map<std::string, const WhatIfScore*> best;
    std::vector<std::string> order;
    for (const WhatIfScore& row : r.rows) {
        if (row.predictor == "contiguous" || row.predictor == "oracle" || !row.preset.empty() ||
            isCeilingRow(row.predictor))
            continue;
        auto [it, fresh] = best.try_emplace(row.predictor, &row);
        if (fresh) order.push_back(row.predictor);
        if (row.slowestOverIdeal < it->second->slowestOverIdeal) it->second = &row;
    }
    for (const std::string& predictor : order) {
        const WhatIfScore& row = *best[predictor];
        const double perLayer =
            row.forecasts && r.layers
                ? row.forecastSeconds / static_cast<double>(row.forecasts) / r.layers
                : 0;
        const std::string schedule =
            row.threshold > 0 ? "<" + std::to_string(row.threshold) : std::to_string(row.every);
        Strategy s = Strategy::distributionOnly(std::max(0.0, row.slowestOverIdeal - 1),
                                                row.predictor + " " + row.policy + "/" + schedule);
        s.predictorSeconds = perLayer;
        out.strategies.push_back({s, true,
                                  "what-if run " + std::to_string(out.runId) +
                                      ", its best: " + row.policy + " every " + schedule});
    }
    // Realised imbalance of planned duplication is what the assumed dist_only stood for.
    out.coveredFamilies.insert("dist_only");
}

// Families nothing measured keep the assumed figures, marked so.
void addAssumed(const PerfConfig& config, MeasuredStrategies& out) {
    std::set<std::string> covered = out.coveredFamilies;
    for (const SourcedStrategy& s : out.strategies) covered.insert(familyOf(s.strategy.name));
    std::vector<SourcedStrategy> all{{Strategy::none(), true, "no prediction"}};
    for (const Strategy& s : defaultStrategies(config)) {
        if (s.kind == StrategyKind::None || covered.count(s.name)) continue;
        all.push_back({s, false, "MoE-GPS's figure; this run did not measure the family"});
    }
    all.insert(all.end(), out.strategies.begin(), out.strategies.end());
    out.strategies = std::move(all);
}

}  // namespace

std::vector<Strategy> MeasuredStrategies::plain() const {
    std::vector<Strategy> out;
    for (const SourcedStrategy& s : strategies) out.push_back(s.strategy);
    return out;
}

MeasuredStrategies measuredStrategies(store::SqliteConnection& db, const store::RunRecord& run,
                                      const PerfConfig& config) {
    MeasuredStrategies out;
    out.runId = run.id;
    out.runName = run.name;
    store::RunReader reader(db, run);
    const std::map<std::string, double> metrics = reader.runMetrics();
    out.skew = metricOr(metrics, "mean_skewness", 0);
    if (hasWhatIf(db, run.id))
        fromWhatIf(db, run, out);
    else
        fromPredictions(reader, metrics, out);
    if (out.strategies.empty())
        throw Error("run " + std::to_string(run.id) + " (" + run.name +
                    ") has no predictor figures: compare predictors with `predict`, `run -p` "
                    "or `whatif` first");
    addAssumed(config, out);
    return out;
}

std::string describeStrategies(const MeasuredStrategies& m) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1);
    for (const SourcedStrategy& s : m.strategies) {
        const Strategy& st = s.strategy;
        const char* tag = st.kind == StrategyKind::None ? "baseline  "
                          : s.measured                  ? "measured  "
                                                        : "ASSUMED   ";
        out << "  " << tag << st.name << ": ";
        if (st.kind == StrategyKind::TokenToExpert)
            out << "accuracy " << 100 * (1 - st.error) << "%";
        else if (st.kind == StrategyKind::DistributionOnly)
            out << "error " << 100 * st.error << "%";
        else
            out << "no duplication";
        out << ", " << st.predictorSeconds * 1e6 << " us/layer (" << s.source << ")\n";
    }
    return out.str();
}

}  // namespace moe
