// A run's headline metrics say only what was measured: routing-only runs (predict, train) time
// nothing and run no ranks, so their times, rank figures and balancedness are absent (shown as
// "-"), never stored as zeros and ones that read as measurements.
#include "core/store/summary_metrics.h"

#include <gtest/gtest.h>

#include <map>

#include "core/engine/routing_telemetry.h"
#include "core/workload/synthetic_workload.h"

namespace moe::store {
namespace {

std::map<std::string, double> metricsOf(const RunSummary& s) {
    std::map<std::string, double> m;
    for (const MetricRecord& r : summaryMetrics(s, 0)) m[r.key] = r.value;
    return m;
}

RunSummary routingOnlyRun(bool timed) {
    SyntheticParams p;
    p.layers = 2;
    p.experts = 8;
    p.topK = 2;
    p.tokensPerStep = 32;
    p.steps = 5;
    SyntheticWorkload w(p);
    RunSummary s;
    Step step;
    LoadMatrix loads(p.layers, p.experts);
    while (w.next(step)) {
        loads.clear();
        loads.accumulate(step, p.topK);
        StepTelemetry t = routingOnlyTelemetry(step, loads, p.topK);
        if (timed) {  // as the engine reports a step it ran
            t.wallSeconds = 0.01;
            t.rankBusySeconds.assign(t.rankBusySeconds.size(), 0.004);
        }
        s.add(t);
    }
    return s;
}

TEST(SummaryMetrics, RoutingOnlyRunsLeaveUnmeasuredFiguresOut) {
    const auto m = metricsOf(routingOnlyRun(false));
    EXPECT_EQ(m.at(metric::kSteps), 5);
    EXPECT_EQ(m.at(metric::kTokens), 160);
    EXPECT_GT(m.at(metric::kMeanSkewness), 1.0);
    EXPECT_TRUE(m.count(metric::indexed(metric::kLayerSkewRun, 1)));
    for (const char* key : {metric::kWallSeconds, metric::kTokensPerSecond, metric::kStepWallP50,
                            metric::kStepWallP95, metric::kBalancedness, metric::kRankBusyMax,
                            metric::kRankBusyMean, metric::kRankRowsMax, metric::kRankRowsMean})
        EXPECT_FALSE(m.count(key)) << key;
    EXPECT_FALSE(m.count(metric::indexed(metric::kRankBusy, 0)));
}

TEST(SummaryMetrics, TimedRunsKeepEveryFigure) {
    const auto m = metricsOf(routingOnlyRun(true));
    EXPECT_NEAR(m.at(metric::kWallSeconds), 0.05, 1e-12);
    EXPECT_NEAR(m.at(metric::kTokensPerSecond), 160 / 0.05, 1e-6);
    EXPECT_EQ(m.at(metric::kBalancedness), 1.0);  // one rank
    EXPECT_GT(m.at(metric::kRankBusyMax), 0.0);
    EXPECT_TRUE(m.count(metric::indexed(metric::kRankRows, 0)));
}

}  // namespace
}  // namespace moe::store
