// A run's headline figures as metric rows (run-level, step -1), computed by the engine's own
// RunSummary so the store, `run`'s printout and `runs show` agree. The recorder rewrites them
// with every batch, so even a run killed mid-way has figures for what it committed; for runs
// without them (schema-1 files) they are recomputed from the stored steps.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/engine/run_summary.h"
#include "core/store/store_records.h"

namespace moe::store {

class RunReader;

// Metric keys. Per-layer and per-rank keys carry the index after a colon: "layer_skew:3".
namespace metric {
inline constexpr const char* kSteps = "steps";
inline constexpr const char* kTokens = "tokens";
inline constexpr const char* kWallSeconds = "wall_seconds";
inline constexpr const char* kTokensPerSecond = "tokens_per_second";
inline constexpr const char* kStepWallP50 = "step_wall_p50";
inline constexpr const char* kStepWallP95 = "step_wall_p95";
inline constexpr const char* kMeanSkewness = "mean_skewness";  // mean over layers and steps
inline constexpr const char* kBalancedness = "balancedness";   // rows per rank, mean/max
inline constexpr const char* kRankBusyMax = "rank_busy_max";
inline constexpr const char* kRankBusyMean = "rank_busy_mean";
inline constexpr const char* kRankRowsMax = "rank_rows_max";
inline constexpr const char* kRankRowsMean = "rank_rows_mean";
inline constexpr const char* kDroppedPairs = "dropped_pairs";
inline constexpr const char* kFramesDropped = "frames_dropped";
inline constexpr const char* kLayerSkewStepMean = "layer_skew_step_mean";  // ":L"
inline constexpr const char* kLayerSkewRun = "layer_skew_run";
inline constexpr const char* kLayerCvRun = "layer_cv_run";
inline constexpr const char* kLayerDropped = "layer_dropped";
inline constexpr const char* kLayerHottest = "layer_hottest_expert";
inline constexpr const char* kRankRows = "rank_rows";  // ":R"
inline constexpr const char* kRankBusy = "rank_busy";
std::string indexed(const char* key, int index);
}  // namespace metric

std::vector<MetricRecord> summaryMetrics(const RunSummary& summary, int64_t framesDropped);

// Run-level metrics of a stored run: the recorded ones, or recomputed from its steps when the
// run has none (a schema-1 run). `recomputed` tells which.
std::map<std::string, double> runLevelMetrics(RunReader& reader, const RunRecord& run,
                                              bool* recomputed = nullptr);

}  // namespace moe::store
