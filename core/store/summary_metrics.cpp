// See summary_metrics.h.
#include "core/store/summary_metrics.h"

#include <algorithm>

#include "core/store/run_reader.h"

namespace moe::store {

std::string metric::indexed(const char* key, int index) {
    return std::string(key) + ":" + std::to_string(index);
}

std::vector<MetricRecord> summaryMetrics(const RunSummary& s, int64_t framesDropped) {
    std::vector<MetricRecord> m;
    auto add = [&](std::string key, double v) { m.push_back({std::move(key), v, std::nullopt}); };
    // Routing-only runs (predict, train) execute no layer on ranks and time nothing: their
    // times, rank rows and balancedness were never measured, and are left out rather than
    // stored as zeros and ones that read as measurements.
    bool timed = s.wallSeconds() > 0;
    for (int r = 0; r < s.ranks(); ++r) timed = timed || s.rankBusySeconds(r) > 0;
    add(metric::kSteps, static_cast<double>(s.steps()));
    add(metric::kTokens, static_cast<double>(s.tokens()));
    add(metric::kFramesDropped, static_cast<double>(framesDropped));
    if (timed) {
        add(metric::kWallSeconds, s.wallSeconds());
        add(metric::kTokensPerSecond, s.tokensPerSecond());
        add(metric::kStepWallP50, s.stepWallPercentile(0.5));
        add(metric::kStepWallP95, s.stepWallPercentile(0.95));
    }
    if (s.steps() == 0) return m;
    double skewSum = 0;
    int64_t dropped = 0;
    for (int l = 0; l < s.layers(); ++l) {
        const LayerLoadStats st = layerLoadStats(s.totals().layer(l));
        const auto layer = s.totals().layer(l);
        const auto hottest = std::max_element(layer.begin(), layer.end()) - layer.begin();
        skewSum += s.meanStepSkewness(l);
        dropped += s.dropped(l);
        add(metric::indexed(metric::kLayerSkewStepMean, l), s.meanStepSkewness(l));
        add(metric::indexed(metric::kLayerSkewRun, l), st.skewness);
        add(metric::indexed(metric::kLayerCvRun, l), st.cv);
        add(metric::indexed(metric::kLayerDropped, l), static_cast<double>(s.dropped(l)));
        add(metric::indexed(metric::kLayerHottest, l), static_cast<double>(hottest));
    }
    add(metric::kMeanSkewness, s.layers() ? skewSum / s.layers() : 0);
    add(metric::kDroppedPairs, static_cast<double>(dropped));
    if (!timed) return m;
    add(metric::kBalancedness, s.meanBalancedness());
    double busyMax = 0, busySum = 0, rowsMax = 0, rowsSum = 0;
    for (int r = 0; r < s.ranks(); ++r) {
        const double rows = static_cast<double>(s.rankRows(r)), busy = s.rankBusySeconds(r);
        add(metric::indexed(metric::kRankRows, r), rows);
        add(metric::indexed(metric::kRankBusy, r), busy);
        busyMax = std::max(busyMax, busy);
        rowsMax = std::max(rowsMax, rows);
        busySum += busy;
        rowsSum += rows;
    }
    const double G = s.ranks() ? s.ranks() : 1;
    add(metric::kRankBusyMax, busyMax);
    add(metric::kRankBusyMean, busySum / G);
    add(metric::kRankRowsMax, rowsMax);
    add(metric::kRankRowsMean, rowsSum / G);
    return m;
}

std::map<std::string, double> runLevelMetrics(RunReader& reader, const RunRecord& run,
                                              bool* recomputed) {
    std::map<std::string, double> out = reader.runMetrics();
    const bool missing = !out.count(metric::kSteps) && run.steps > 0;
    if (recomputed) *recomputed = missing;
    if (!missing) return out;
    RunSummary summary;
    reader.forEachStep([&](const StepTelemetry& t) { summary.add(t); });
    for (const MetricRecord& m : summaryMetrics(summary, run.framesDropped)) out[m.key] = m.value;
    return out;
}

}  // namespace moe::store
