// ArimaModel on series with a known answer (constant, linear trend, periodic, step change),
// its fallbacks for degenerate input, and the pieces the fit rests on (parameter transforms,
// append == filter, warm starts).
#include "core/predict/arima_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "core/common/error.h"
#include "core/predict/arima_estimation.h"
#include "core/predict/arima_state_space.h"

namespace moe {
namespace {

std::vector<double> noise(int n, double sd, unsigned seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> g(0.0, sd);
    std::vector<double> v(n);
    for (double& x : v) x = g(rng);
    return v;
}

TEST(ArimaTransforms, RoundTripAndStationarity) {
    const std::vector<double> phi = {0.3, -0.2, 0.15, 0.1, -0.1};
    std::vector<double> u(5), back(5);
    ASSERT_TRUE(arima::unconstrainStationary(phi, u));
    arima::constrainStationary(u, back);
    for (int i = 0; i < 5; ++i) EXPECT_NEAR(back[i], phi[i], 1e-12);
    // Any real vector maps to a stationary polynomial.
    const std::vector<double> wild = {5.0, -40.0, 3.0, 0.0, 100.0};
    arima::constrainStationary(wild, back);
    EXPECT_TRUE(arima::isStationary(back));
    EXPECT_FALSE(arima::isStationary(std::vector<double>{1.1}));
    EXPECT_FALSE(arima::isStationary(std::vector<double>{0.5, 0.6}));  // root inside the circle
    EXPECT_TRUE(arima::isInvertible(std::vector<double>{0.9}));
    EXPECT_FALSE(arima::isInvertible(std::vector<double>{-1.0}));
}

// The closed-form stationary covariance against the series P = sum_k T^k R R' T'^k, and the
// Chandrasekhar filter's F_t against the full Riccati recursion on P.
TEST(ArimaStateSpace, CovarianceAndChandrasekharMatchBruteForce) {
    const std::vector<double> phi = {0.3, -0.2, 0.15, 0.1, -0.1}, theta = {0.2, 0.1, -0.1, 0.05};
    const arima::ArmaSystem sys(phi, theta);
    const int m = sys.m;
    auto T = [&](const std::vector<double>& X) {  // T X T'
        std::vector<double> A(m * m), B(m * m);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j)
                A[i * m + j] = sys.phi[i] * X[j] + (i + 1 < m ? X[(i + 1) * m + j] : 0.0);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j)
                B[i * m + j] = sys.phi[j] * A[i * m] + (j + 1 < m ? A[i * m + j + 1] : 0.0);
        return B;
    };
    std::vector<double> term(m * m), sum(m * m, 0.0);
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < m; ++j) term[i * m + j] = sys.r[i] * sys.r[j];
    for (int k = 0; k < 400; ++k) {
        for (int i = 0; i < m * m; ++i) sum[i] += term[i];
        term = T(term);
    }
    std::vector<double> P;
    ASSERT_TRUE(arima::stationaryCovariance(sys, P));
    for (int i = 0; i < m * m; ++i) EXPECT_NEAR(P[i], sum[i], 1e-12);

    arima::KalmanState st;
    ASSERT_TRUE(arima::initialiseFilter(sys, st));
    std::vector<double> scratch;
    const std::vector<double> y = noise(40, 1.0, 4);
    for (double v : y) {
        EXPECT_NEAR(st.F, P[0], 1e-12);
        arima::filterStep(sys, st, v, scratch);
        // P <- T (P - P[:,0] P[0,:] / F) T' + R R'
        std::vector<double> Pu(m * m);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j) Pu[i * m + j] = P[i * m + j] - P[i * m] * P[j * m] / P[0];
        P = T(Pu);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j) P[i * m + j] += sys.r[i] * sys.r[j];
    }
}

TEST(ArimaModel, RejectsBadOrderAndParams) {
    EXPECT_THROW(ArimaModel(11, 1, 0), Error);
    EXPECT_THROW(ArimaModel(1, 3, 0), Error);
    EXPECT_THROW(ArimaModel(0, 0, -1), Error);
    ArimaModel m(1, 1, 1);
    EXPECT_THROW(m.setParams({{1.2}, {0.1}, 1.0}), Error);   // not stationary
    EXPECT_THROW(m.setParams({{0.5}, {-1.5}, 1.0}), Error);  // not invertible
    EXPECT_THROW(m.setParams({{0.5}, {}, 1.0}), Error);      // wrong size
    EXPECT_THROW(m.setParams({{0.5}, {0.1}, 0.0}), Error);   // sigma2
    const std::vector<double> bad = {1, 2, NAN, 4, 5, 6, 7, 8};
    EXPECT_THROW(m.fit(bad), Error);
}

TEST(ArimaModel, ConstantSeriesFallsBackToItsValue) {
    for (int d = 0; d <= 2; ++d) {
        ArimaModel m(5, d, 5);
        const std::vector<double> x(100, 0.03125);
        EXPECT_EQ(m.fit(x), ArimaFitStatus::ConstantDifferences) << "d=" << d;
        EXPECT_TRUE(m.usesFallback());
        for (double f : m.forecast(50)) EXPECT_NEAR(f, 0.03125, 1e-15);
    }
}

TEST(ArimaModel, LinearTrendContinues) {
    // d = 1: the first difference is constant, so the fit falls back to continuing it exactly.
    std::vector<double> x(120);
    for (int t = 0; t < 120; ++t) x[t] = 0.02 + 0.0001 * t;
    ArimaModel m(5, 1, 5);
    EXPECT_EQ(m.fit(x), ArimaFitStatus::ConstantDifferences);
    const std::vector<double> f = m.forecast(30);
    for (int h = 1; h <= 30; ++h) EXPECT_NEAR(f[h - 1], 0.02 + 0.0001 * (119 + h), 1e-12);

    // d = 2 with noise: a real fit (MA near -1, a local linear trend), which extrapolates.
    const std::vector<double> e = noise(200, 0.001, 7);
    std::vector<double> y(200);
    for (int t = 0; t < 200; ++t) y[t] = 1.0 + 0.01 * t + e[t];
    ArimaModel m2(0, 2, 1);
    m2.fit(y);
    EXPECT_FALSE(m2.usesFallback());
    const std::vector<double> g = m2.forecast(20);
    for (int h = 1; h <= 20; ++h) EXPECT_NEAR(g[h - 1], 1.0 + 0.01 * (199 + h), 0.005);
}

TEST(ArimaModel, PeriodicSeriesIsTracked) {
    const int period = 8, n = 240;
    const std::vector<double> e = noise(n + 16, 0.02, 11);
    auto wave = [&](int t) { return std::sin(2 * std::numbers::pi * t / period); };
    std::vector<double> x(n);
    for (int t = 0; t < n; ++t) x[t] = wave(t) + e[t];
    for (auto [p, d, q] : {std::tuple{2, 0, 1}, std::tuple{5, 1, 5}}) {
        ArimaModel m(p, d, q);
        m.fit(x);
        EXPECT_FALSE(m.usesFallback());
        const std::vector<double> f = m.forecast(2 * period);
        for (int h = 1; h <= 2 * period; ++h)
            EXPECT_NEAR(f[h - 1], wave(n - 1 + h), 0.1) << p << "," << d << "," << q << " h=" << h;
    }
}

TEST(ArimaModel, StepChangeSettlesOnTheNewLevel) {
    const std::vector<double> e = noise(200, 0.001, 3);
    std::vector<double> x(200);
    for (int t = 0; t < 200; ++t) x[t] = (t < 120 ? 0.03 : 0.05) + e[t];
    for (auto [p, q] : {std::pair{1, 1}, std::pair{5, 5}}) {
        ArimaModel m(p, 1, q);
        m.fit(x);
        for (double f : m.forecast(50)) EXPECT_NEAR(f, 0.05, 0.004) << p << "," << q;
    }
}

TEST(ArimaModel, TooShortAndEmptySeriesFallBack) {
    ArimaModel m(5, 1, 5);
    const std::vector<double> x = {0.1, 0.2, 0.15};
    EXPECT_EQ(m.fit(x), ArimaFitStatus::TooShort);
    for (double f : m.forecast(5)) EXPECT_EQ(f, 0.15);  // last value
    ArimaModel m0(2, 0, 0);
    EXPECT_EQ(m0.fit(x), ArimaFitStatus::TooShort);
    for (double f : m0.forecast(5)) EXPECT_NEAR(f, 0.15, 1e-15);  // mean
    EXPECT_EQ(m0.fit(std::vector<double>{}), ArimaFitStatus::TooShort);
    for (double f : m0.forecast(3)) EXPECT_EQ(f, 0.0);
    m0.append(0.4);  // appending to a fallback model only moves the fallback value
    EXPECT_EQ(m0.forecast(1)[0], 0.4);
    EXPECT_TRUE(m.forecast(0).empty());
}

TEST(ArimaModel, AppendEqualsFilteringTheLongerSeries) {
    std::vector<double> x = noise(300, 1.0, 5);
    for (size_t t = 1; t < x.size(); ++t) x[t] += 0.6 * x[t - 1];
    for (int d = 0; d <= 2; ++d) {
        ArimaModel fitted(2, d, 2);
        fitted.fit(std::span(x).first(200));
        ArimaModel whole(2, d, 2);
        whole.setParams(fitted.params());
        whole.filter(x);
        for (size_t t = 200; t < x.size(); ++t) fitted.append(x[t]);
        const std::vector<double> a = fitted.forecast(20), b = whole.forecast(20);
        for (int h = 0; h < 20; ++h) EXPECT_NEAR(a[h], b[h], 1e-9 * (1 + std::abs(b[h])));
        EXPECT_NEAR(fitted.logLikelihood(), whole.logLikelihood(), 1e-8);
    }
}

TEST(ArimaModel, WarmStartReachesTheSameOptimumFaster) {
    // A well-identified ARIMA(1,1,1) (an over-parameterised model would have a ridge of optima).
    const std::vector<double> e = noise(260, 1.0, 9);
    std::vector<double> x(260);
    double w = 0;
    for (size_t t = 1; t < x.size(); ++t) {
        w = 0.5 * w + e[t] + 0.3 * e[t - 1];
        x[t] = x[t - 1] + w;
    }
    ArimaModel cold(1, 1, 1), warm(1, 1, 1);
    cold.fit(std::span(x).subspan(10));
    warm.fit(std::span(x).first(250));
    ArimaFitOptions o;
    o.warmStart = true;
    warm.fit(std::span(x).subspan(10), o);
    EXPECT_NEAR(warm.logLikelihood(), cold.logLikelihood(), 1e-6);
    EXPECT_LE(warm.iterations(), cold.iterations());
}

TEST(ArimaModel, WhiteNoiseOrderZero) {
    const std::vector<double> x = noise(100, 2.0, 1);
    ArimaModel m(0, 0, 0);
    EXPECT_EQ(m.fit(x), ArimaFitStatus::Converged);
    double ss = 0;
    for (double v : x) ss += v * v;
    EXPECT_NEAR(m.params().sigma2, ss / 100, 1e-12);
    for (double f : m.forecast(4)) EXPECT_EQ(f, 0.0);
}

}  // namespace
}  // namespace moe
