// Known-answer tests of the simple predictors and of the evaluator that scores them: constant,
// linear trend, periodic and step-change series with errors worked out by hand.
#include "core/predict/baseline_predictors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "core/common/error.h"
#include "core/predict/dist_only_predictor.h"
#include "core/predict/prediction_evaluator.h"

namespace moe {
namespace {

// One layer, two experts: share of expert 0 is x, expert 1 is 1 - x.
LoadShares sharesOf(double x) {
    LoadShares s(1, 2);
    s.at(0, 0) = static_cast<float>(x);
    s.at(0, 1) = static_cast<float>(1 - x);
    return s;
}

template <typename P, typename... Args>
PredictorScore evaluate(const std::vector<double>& series, int horizon, int64_t warmup,
                        Args... args) {
    std::vector<std::unique_ptr<Predictor>> ps;
    ps.push_back(std::make_unique<P>(args...));
    PredictionEvaluator ev(std::move(ps), {horizon, 1, warmup});
    for (size_t t = 0; t < series.size(); ++t)
        ev.push(static_cast<int64_t>(t), sharesOf(series[t]));
    return ev.scores()[0];
}

TEST(ErrorMetrics, HandComputedExample) {
    const std::vector<float> predicted{0.5f, 0.3f, 0.2f, 0.0f};
    const std::vector<float> actual{0.4f, 0.4f, 0.2f, 0.0f};
    const ErrorMetrics m = layerErrors(predicted, actual);
    EXPECT_NEAR(m.absolute, (0.1 + 0.1 + 0 + 0) / 4, 1e-6);
    EXPECT_NEAR(m.relative, (0.1 / 0.4 + 0.1 / 0.4 + 0) / 3, 1e-6);  // expert 3 has p = 0
    EXPECT_EQ(m.zeroShareExperts, 1);
    EXPECT_NEAR(m.gps, 0.2, 1e-6);  // |p^-p| / (1/E) averaged = E * absolute
    EXPECT_NEAR(m.maxLoad, (0.5 - 0.4) / 0.4, 1e-6);
}

TEST(BaselinePredictors, ConstantSeriesIsPredictedExactly) {
    const std::vector<double> c(60, 0.3);
    EXPECT_NEAR(evaluate<LastValuePredictor>(c, 5, 0).overall.mean().absolute, 0, 1e-7);
    EXPECT_NEAR(evaluate<EmaPredictor>(c, 5, 0, 0.2).overall.mean().absolute, 0, 1e-7);
    EXPECT_NEAR(evaluate<SlidingWindowPredictor>(c, 5, 0, 10).overall.mean().absolute, 0, 1e-7);
    EXPECT_NEAR(evaluate<DistOnlyPredictor>(c, 5, 0, 3).overall.mean().absolute, 0, 1e-7);
    EXPECT_NEAR(evaluate<OraclePredictor>(c, 5, 0).overall.mean().absolute, 0, 1e-7);
}

TEST(BaselinePredictors, LinearTrendLagsByTheExpectedAmount) {
    std::vector<double> trend;
    const double d = 0.001;
    for (int t = 0; t < 200; ++t) trend.push_back(0.2 + d * t);
    // Last value at H=1 is off by d on both experts; averaged over H steps ahead by d(H+1)/2.
    EXPECT_NEAR(evaluate<LastValuePredictor>(trend, 1, 0).overall.mean().absolute, d, 1e-6);
    EXPECT_NEAR(evaluate<LastValuePredictor>(trend, 9, 0).overall.mean().absolute, d * 5, 1e-6);
    // SW_Avg(W) lags the newest value by d(W-1)/2, so at H=1 by d(W+1)/2 (once the window is full).
    EXPECT_NEAR(evaluate<SlidingWindowPredictor>(trend, 1, 20, 20).overall.mean().absolute,
                d * 10.5, 1e-5);
    EXPECT_NEAR(evaluate<OraclePredictor>(trend, 9, 0).overall.mean().absolute, 0, 1e-7);
}

TEST(BaselinePredictors, PeriodicSeriesFavoursAWindowOfOnePeriod) {
    std::vector<double> periodic;
    for (int t = 0; t < 401; ++t)
        periodic.push_back(0.25 + 0.1 * ((t % 4) < 2 ? 1 : -1));  // 0.35,0.35,0.15,0.15
    const double sw = evaluate<SlidingWindowPredictor>(periodic, 1, 8, 4).overall.mean().absolute;
    const double last = evaluate<LastValuePredictor>(periodic, 1, 8).overall.mean().absolute;
    EXPECT_NEAR(sw, 0.1, 1e-6);    // always predicts the mean 0.25, off by 0.1
    EXPECT_NEAR(last, 0.1, 1e-6);  // right half the time, off by 0.2 the other half
    const double sw2 = evaluate<SlidingWindowPredictor>(periodic, 4, 8, 4).overall.mean().absolute;
    const double last4 = evaluate<LastValuePredictor>(periodic, 4, 8).overall.mean().absolute;
    EXPECT_NEAR(sw2, 0.1, 1e-6);
    EXPECT_NEAR(last4, 0.1, 1e-6);  // over a whole period, half right and half off by 0.2
}

TEST(BaselinePredictors, StepChangeIsForgottenAfterTheWindow) {
    std::vector<double> stepChange(100, 0.2);
    stepChange.resize(200, 0.6);
    // Forecasts made from step 100 + W onwards see only the new level.
    EXPECT_NEAR(evaluate<SlidingWindowPredictor>(stepChange, 1, 110, 10).overall.mean().absolute, 0,
                1e-6);
    const auto before = evaluate<SlidingWindowPredictor>(stepChange, 1, 95, 10);
    EXPECT_GT(before.overall.mean().absolute, 0.01);
    // Distribution-Only profiled on the first 50 steps never adapts: error 0.4 on the new level.
    const auto dist = evaluate<DistOnlyPredictor>(stepChange, 1, 100, 50);
    EXPECT_NEAR(dist.overall.mean().absolute, 0.4, 1e-6);
}

TEST(PredictionEvaluator, ScoresEveryForecastOnceAndReportsCost) {
    std::vector<std::unique_ptr<Predictor>> ps;
    ps.push_back(std::make_unique<LastValuePredictor>());
    ps.push_back(std::make_unique<SlidingWindowPredictor>(3));
    PredictionEvaluator ev(std::move(ps), {4, 2, 1});
    int records = 0;
    ev.setSink([&](const PredictionError& e) {
        ++records;
        EXPECT_EQ(e.horizon, 4);
        EXPECT_EQ((e.step - 1) % 2, 0);  // every 2nd step after 1 warm-up step
    });
    for (int t = 0; t < 20; ++t) ev.push(t, sharesOf(0.1 + 0.01 * t));
    // Steps 0..15 get forecasts evaluated (16..19 lack their 4 future steps); warm-up skips 0;
    // every 2nd of steps 1..15 -> 8 forecasts per predictor, one layer.
    EXPECT_EQ(records, 16);
    EXPECT_EQ(ev.scores()[0].forecasts, 8);
    EXPECT_EQ(ev.scores()[0].observations, 16);
    EXPECT_GE(ev.scores()[1].microsecondsPerForecastPerLayer(), 0);
}

TEST(PredictionEvaluator, ScoresShorterHorizonsFromTheSameForecast) {
    // Last value on a trend of 0.01 per step is off by 0.01*h at h steps ahead, so the mean
    // over the first h steps is 0.01*(h+1)/2: 0.01 at h=1, 0.015 at h=2, 0.025 at h=4.
    EvaluatorOptions o;
    o.horizon = 1;
    o.alsoAt = {1, 2, 4};  // the evaluator forecasts 4 steps
    std::vector<std::unique_ptr<Predictor>> ps;
    ps.push_back(std::make_unique<LastValuePredictor>());
    PredictionEvaluator ev(std::move(ps), o);
    std::map<int, int> perHorizon;
    ev.setSink([&](const PredictionError& e) {
        ++perHorizon[e.horizon];
        EXPECT_NEAR(e.metrics.absolute, 0.01 * (e.horizon + 1) / 2, 1e-6) << "h=" << e.horizon;
    });
    for (int t = 0; t < 20; ++t) ev.push(t, sharesOf(0.1 + 0.01 * t));
    EXPECT_EQ(ev.options().horizon, 4);
    // 16 forecasts (steps 0..15 have their 4 future steps), each scored once per horizon.
    EXPECT_EQ(perHorizon, (std::map<int, int>{{1, 16}, {2, 16}, {4, 16}}));
    ASSERT_EQ(ev.scores()[0].alsoAt.size(), 3u);
    EXPECT_NEAR(ev.scores()[0].alsoAt[1].mean().absolute, 0.015, 1e-6);
    EXPECT_NEAR(ev.scores()[0].overall.mean().absolute, 0.025, 1e-6);
    EXPECT_EQ(ev.scores()[0].forecasts, 16);  // one forecast serves all three horizons
}

TEST(BaselinePredictors, RejectBadParameters) {
    EXPECT_THROW(SlidingWindowPredictor(0), Error);
    EXPECT_THROW(EmaPredictor(0), Error);
    EXPECT_THROW(EmaPredictor(1.5), Error);
    EXPECT_THROW(DistOnlyPredictor(0), Error);
}

}  // namespace
}  // namespace moe
