// The batch filter must give each lane the likelihood the scalar filter gives it, including
// lanes that reach the steady state at different steps and lanes with no stationary start;
// and a fit through it must land where a fit through the scalar objective lands.
#include "core/predict/arima_batch_filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/predict/arima_estimation.h"
#include "core/predict/arima_model.h"
#include "core/predict/arima_state_space.h"

namespace moe {
namespace {

double scalarLogLikelihood(const arima::ArmaSystem& sys, const std::vector<double>& w) {
    arima::KalmanState st;
    if (!arima::initialiseFilter(sys, st)) return -INFINITY;
    std::vector<double> scratch;
    for (double y : w) arima::filterStep(sys, st, y, scratch);
    return arima::concentratedLogLikelihood(st);
}

TEST(ArimaBatchFilter, EveryLaneMatchesTheScalarFilter) {
    std::mt19937 rng(7);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> w(300);
    for (double& x : w) x = g(rng);
    std::vector<arima::ArmaSystem> systems;
    std::vector<double> phi(5), theta(5), u(10);
    for (int lane = 0; lane < 21; ++lane) {
        // Unconstrained draws give admissible polynomials, the wider ones nearer the unit
        // circle (slow to reach the steady state), the narrow ones far from it (fast). Much
        // nearer, both filters amplify rounding alike and only agree to rounding's growth.
        std::normal_distribution<double> spread(0.0, 0.2 + 0.06 * lane);
        for (double& x : u) x = spread(rng);
        arima::constrainStationary(std::span(u).first(5), phi);
        arima::constrainStationary(std::span(u).subspan(5), theta);
        for (double& t : theta) t = -t;
        systems.emplace_back(phi, theta);
    }
    // A lane with no stationary start: the scalar filter refuses it, so must the batch.
    systems[3] = arima::ArmaSystem(std::vector<double>{1.2, 0, 0, 0, 0}, theta);
    std::vector<double> out(systems.size());
    arima::BatchFilter batch;
    batch.logLikelihoods(systems, w, out);
    for (size_t j = 0; j < systems.size(); ++j) {
        const double expected = scalarLogLikelihood(systems[j], w);
        if (!std::isfinite(expected)) {
            EXPECT_FALSE(std::isfinite(out[j])) << "lane " << j;
            continue;
        }
        EXPECT_NEAR(out[j], expected, 1e-9 * std::abs(expected)) << "lane " << j;
    }
    // Reused with fewer lanes: no state leaks from the previous call.
    std::vector<double> two(2);
    batch.logLikelihoods(std::span(systems).first(2), w, two);
    EXPECT_NEAR(two[1], scalarLogLikelihood(systems[1], w), 1e-9 * std::abs(two[1]));
}

// The filter's start needs only column 0 of the stationary covariance; the m^2 shortcut must
// equal that column of the full m^3 solution for AR-heavy, MA-heavy and mixed orders.
TEST(ArimaStateSpace, FirstColumnEqualsTheFullCovariancesColumn) {
    std::mt19937 rng(5);
    std::normal_distribution<double> g(0.0, 0.8);
    for (const auto [p, q] : {std::pair{5, 5}, std::pair{3, 0}, std::pair{0, 4}, std::pair{2, 6}}) {
        std::vector<double> phi(p), theta(q), u(p + q);
        for (double& x : u) x = g(rng);
        arima::constrainStationary(std::span(u).first(p), phi);
        arima::constrainStationary(std::span(u).subspan(p), theta);
        for (double& t : theta) t = -t;
        const arima::ArmaSystem sys(phi, theta);
        std::vector<double> P, column;
        ASSERT_TRUE(arima::stationaryCovariance(sys, P));
        ASSERT_TRUE(arima::stationaryFirstColumn(sys, column));
        ASSERT_EQ(static_cast<int>(column.size()), sys.m);
        for (int i = 0; i < sys.m; ++i)
            EXPECT_NEAR(column[i], P[i * sys.m], 1e-12 * std::max(1.0, std::abs(P[0])))
                << "p=" << p << " q=" << q << " row " << i;
    }
}

TEST(ArimaBatchFilter, BatchedGradientFindsTheScalarOptimum) {
    // f(x) = sum (x_i - i)^2: the batch objective and the scalar one must drive L-BFGS alike.
    auto f = [](std::span<const double> x) {
        double s = 0;
        for (size_t i = 0; i < x.size(); ++i) s += (x[i] - double(i)) * (x[i] - double(i));
        return s;
    };
    int batchCalls = 0;
    auto batch = [&](const std::vector<std::vector<double>>& points, std::span<double> out) {
        ++batchCalls;
        for (size_t k = 0; k < points.size(); ++k) out[k] = f(points[k]);
    };
    const arima::MinimizeOptions options;
    const auto a = arima::minimizeLbfgs(f, std::vector<double>(4, 3.0), options);
    const auto b = arima::minimizeLbfgs(f, batch, std::vector<double>(4, 3.0), options);
    EXPECT_GT(batchCalls, 0);
    ASSERT_EQ(a.x.size(), b.x.size());
    for (size_t i = 0; i < a.x.size(); ++i) {
        EXPECT_NEAR(b.x[i], double(i), 1e-6);
        EXPECT_DOUBLE_EQ(a.x[i], b.x[i]);
    }
    EXPECT_EQ(a.evaluations, b.evaluations);
}

}  // namespace
}  // namespace moe
