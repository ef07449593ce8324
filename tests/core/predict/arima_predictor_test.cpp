// ArimaPredictor: option checks, the staggered refit schedule, known-answer series through the
// Predictor interface, and a run on the real GPT-OSS-20B trace against the last-value forecast.
#include "core/predict/arima_predictor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/stats/load_matrix.h"

namespace moe {
namespace {

// One layer, two experts: expert 0's share is x, expert 1's is 1 - x.
LoadShares twoShares(double x) {
    LoadShares s(1, 2);
    s.at(0, 0) = static_cast<float>(x);
    s.at(0, 1) = static_cast<float>(1 - x);
    return s;
}

ArimaOptions smallArima() {
    ArimaOptions o;
    o.p = 1;
    o.d = 1;
    o.q = 1;
    o.history = 60;
    o.refitEvery = 10;
    return o;
}

void expectRejected(ArimaOptions o, const std::string& field) {
    try {
        o.validate();
        ADD_FAILURE() << "accepted bad " << field;
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(field + "="), std::string::npos) << e.what();
    }
}

TEST(ArimaPredictor, OptionsAreValidatedByName) {
    ArimaOptions o;
    EXPECT_NO_THROW(o.validate());
    auto with = [&](auto change) {
        ArimaOptions c;
        change(c);
        return c;
    };
    expectRejected(with([](ArimaOptions& c) { c.p = 11; }), "p");
    expectRejected(with([](ArimaOptions& c) { c.d = 3; }), "d");
    expectRejected(with([](ArimaOptions& c) { c.q = -1; }), "q");
    expectRejected(with([](ArimaOptions& c) { c.history = 20; }), "history");
    expectRejected(with([](ArimaOptions& c) { c.refitEvery = 0; }), "refit");
    expectRejected(with([](ArimaOptions& c) { c.maxIterations = 0; }), "max_iterations");
    expectRejected(with([](ArimaOptions& c) { c.refitIterations = 0; }), "refit_iterations");
    EXPECT_THROW(ArimaPredictor(with([](ArimaOptions& c) { c.history = 5; })), Error);
    ArimaPredictor p;
    EXPECT_EQ(p.name(), "arima");
    EXPECT_EQ(p.parameters(), "p=5,d=1,q=5,history=200,refit=50");
}

TEST(ArimaPredictor, RefitsAreStaggeredEvenly) {
    ArimaOptions o = smallArima();  // minHistory = 1 + 4 + 10 = 15
    ArimaPredictor p(o);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    LoadShares s(5, 20);  // 100 series, refit every 10 steps -> 10 fits per step
    int64_t fitsBefore = 0;
    for (int t = 1; t <= 60; ++t) {
        for (float& v : s.p) v = u(rng);
        p.observe(t, s);
        const int64_t fitsNow = p.cost().fits - fitsBefore;
        fitsBefore = p.cost().fits;
        EXPECT_EQ(fitsNow, t < o.minHistory() ? 0 : 10) << "step " << t;
    }
    EXPECT_EQ(p.fittedSeries(), 100);
    EXPECT_GT(p.fitMicros(), 0);
}

// A series' first fit may use every one of max_iterations; its refits start from that fit and
// stop at refit_iterations.
TEST(ArimaPredictor, RefitsStopAtTheirOwnCap) {
    ArimaOptions o;
    o.p = 5;
    o.q = 5;
    o.history = 80;
    o.refitEvery = 40;
    o.maxIterations = 30;
    o.refitIterations = 2;
    ArimaPredictor p(o);
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.0f, 0.05f);
    int firstFit = -1, refits = 0;
    for (int t = 0; t < 200; ++t) {
        p.observe(t, twoShares(0.5 + g(rng)));
        // Series 0 is fitted when the steps observed reach a multiple of refitEvery.
        if ((t + 1) < o.minHistory() || (t + 1) % o.refitEvery != 0) continue;
        const int iterations = p.model(0, 0)->iterations();
        if (firstFit < 0) {
            firstFit = iterations;
        } else {
            EXPECT_LE(iterations, 2) << "step " << t;
            ++refits;
        }
    }
    EXPECT_EQ(refits, 4);  // fits after 40, 80, 120, 160 and 200 steps
    const int maxFirst = firstFit;
    EXPECT_GT(maxFirst, 2);  // the first fit was not held to the refit cap
    EXPECT_EQ(p.parameters(),
              "p=5,d=1,q=5,history=80,refit=40,max_iterations=30,refit_iterations=2");
}

TEST(ArimaPredictor, LastValueBeforeEnoughHistory) {
    ArimaPredictor p(smallArima());
    for (int t = 0; t < 5; ++t) p.observe(t, twoShares(0.1 * t));
    Forecast f;
    p.forecast(3, f);
    ASSERT_EQ(f.horizon(), 3);
    EXPECT_FALSE(f.flat());
    for (int h = 1; h <= 3; ++h) {
        EXPECT_FLOAT_EQ(f.at(h, 0, 0), 0.4f);
        EXPECT_FLOAT_EQ(f.at(h, 0, 1), 0.6f);
    }
}

// Feeds `series` (expert 0's share) and returns the forecast made after the last step.
Forecast runSeries(const std::vector<double>& series, int horizon, ArimaOptions o = smallArima()) {
    ArimaPredictor p(o);
    for (size_t t = 0; t < series.size(); ++t)
        p.observe(static_cast<int64_t>(t), twoShares(series[t]));
    EXPECT_GE(p.cost().fits, 2);  // every series was fitted (constant ones fall back inside)
    Forecast f;
    p.forecast(horizon, f);
    return f;
}

TEST(ArimaPredictor, KnownAnswerSeries) {
    // Constant: exactly itself.
    Forecast c = runSeries(std::vector<double>(100, 0.3), 10);
    for (int h = 1; h <= 10; ++h) EXPECT_NEAR(c.at(h, 0, 0), 0.3, 1e-6);
    // Linear trend: continued (d = 1, constant differences).
    std::vector<double> trend;
    for (int t = 0; t < 100; ++t) trend.push_back(0.2 + 0.001 * t);
    Forecast tr = runSeries(trend, 10);
    for (int h = 1; h <= 10; ++h) {
        EXPECT_NEAR(tr.at(h, 0, 0), 0.2 + 0.001 * (99 + h), 1e-6);
        EXPECT_NEAR(tr.at(h, 0, 1), 0.8 - 0.001 * (99 + h), 1e-6);
    }
    // Step change: settles on the new level once the fit has seen it.
    std::vector<double> step(60, 0.2);
    step.resize(120, 0.6);
    std::mt19937 rng(2);
    std::normal_distribution<double> g(0.0, 0.002);
    for (double& v : step) v += g(rng);
    Forecast st = runSeries(step, 20);
    for (int h = 1; h <= 20; ++h) EXPECT_NEAR(st.at(h, 0, 0), 0.6, 0.01);
    // Periodic (period 8): ARIMA(5,1,5) follows the wave for a period ahead.
    std::vector<double> wave;
    for (int t = 0; t < 200; ++t)
        wave.push_back(0.5 + 0.2 * std::sin(2 * std::numbers::pi * t / 8) + g(rng));
    ArimaOptions o;
    o.history = 150;
    o.refitEvery = 25;
    Forecast w = runSeries(wave, 8, o);
    for (int h = 1; h <= 8; ++h)
        EXPECT_NEAR(w.at(h, 0, 0), 0.5 + 0.2 * std::sin(2 * std::numbers::pi * (199 + h) / 8),
                    0.03);
}

TEST(ArimaPredictor, ForecastsAreClippedAtZeroNotRenormalised) {
    std::vector<double> falling;
    for (int t = 0; t < 100; ++t) falling.push_back(0.3 - 0.003 * t);  // reaches 0.003
    Forecast f = runSeries(falling, 10);
    for (int h = 1; h <= 10; ++h) {
        EXPECT_GE(f.at(h, 0, 0), 0.0f);
        EXPECT_NEAR(f.at(h, 0, 1), 0.7 + 0.003 * (99 + h), 1e-5);  // the other expert keeps rising
    }
    EXPECT_EQ(f.at(10, 0, 0), 0.0f);  // the trend would say -0.027
}

// GPT-OSS-20B decode trace, continuous batching of 64 sequences: every forecast is finite and
// non-negative, and the 1-step absolute error is in the range of the last-value forecast's.
TEST(ArimaPredictor, RealGptOssTrace) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Continuous;
    wo.batch = 64;
    wo.maxSteps = 260;
    auto workload = openWorkload(wo);
    const WorkloadShape shape = workload->shape();
    ArimaOptions o;  // ARIMA(5,1,5); a shorter history, fewer refits and iterations keep it quick
    o.history = 100;
    o.refitEvery = 150;
    o.maxIterations = 25;
    ArimaPredictor arima(o);
    const int scoredFrom = o.minHistory() + o.refitEvery;  // every series fitted by then
    LoadMatrix loads(shape.layers, shape.experts);
    LoadShares last;
    Forecast f;
    double errArima = 0, errLast = 0;
    int scored = 0, t = 0;
    Step step;
    for (; workload->next(step); ++t) {
        loads.clear();
        loads.accumulate(step, shape.topK);
        const LoadShares shares = sharesOf(loads, step.tokens, shape.topK);
        if (t >= scoredFrom) {  // score the forecast made after step t - 1
            double a = 0, l = 0;
            for (size_t i = 0; i < shares.p.size(); ++i) {
                a += std::abs(f.block(1)[i] - shares.p[i]);
                l += std::abs(last.p[i] - shares.p[i]);
            }
            errArima += a / static_cast<double>(shares.p.size());
            errLast += l / static_cast<double>(shares.p.size());
            ++scored;
        }
        arima.observe(t, shares);
        last = shares;
        arima.forecast(1, f);
        ASSERT_EQ(f.layers(), shape.layers);
        ASSERT_EQ(f.experts(), shape.experts);
        for (size_t i = 0; i < shares.p.size(); ++i) {
            ASSERT_TRUE(std::isfinite(f.block(1)[i])) << "step " << t << " series " << i;
            ASSERT_GE(f.block(1)[i], 0.0f);
        }
    }
    ASSERT_EQ(t, 260);
    ASSERT_GT(scored, 50);
    errArima /= scored;
    errLast /= scored;
    std::printf(
        "GPT-OSS-20B, B=64, %d steps scored: 1-step absolute error ARIMA(5,1,5) %.5f, last value "
        "%.5f; %d of %d series on a fitted model; %.0f ms in %lld fits, %.1f ms in forecasts\n",
        scored, errArima, errLast, arima.fittedSeries(), shape.layers * shape.experts,
        arima.fitMicros() / 1e3, static_cast<long long>(arima.cost().fits),
        arima.forecastMicros() / 1e3);
    EXPECT_LT(errArima, 1.5 * errLast);
    EXPECT_GT(errArima, 0.2 * errLast);  // a share error far below noise would be suspicious
    EXPECT_GT(arima.fittedSeries(), shape.layers * shape.experts / 2);
}

}  // namespace
}  // namespace moe
