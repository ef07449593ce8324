// The estimation tools behind ArimaModel::fit, mirroring statsmodels' SARIMAX: the
// Monahan/Jones reparameterisation that keeps AR polynomials stationary and MA polynomials
// invertible while the optimiser works unconstrained, conditional-sum-of-squares start values,
// and a small L-BFGS with central-difference gradients.
#pragma once

#include <functional>
#include <span>
#include <vector>

namespace moe::arima {

// statsmodels' constrain_stationary_univariate: any real vector -> coefficients phi of a
// stationary (1 - sum phi_i L^i). For an MA polynomial (1 + sum theta_j L^j) use theta = -phi.
void constrainStationary(std::span<const double> unconstrained, std::span<double> out);

// The inverse. False (out unspecified) when `constrained` is not strictly stationary.
bool unconstrainStationary(std::span<const double> constrained, std::span<double> out);

// True when (1 - sum phi_i L^i) has all roots outside the unit circle.
bool isStationary(std::span<const double> phi);
// True when (1 + sum theta_j L^j) has all roots outside the unit circle.
bool isInvertible(std::span<const double> theta);

// Start values as statsmodels' SARIMAX._conditional_sum_squares: residuals of a long AR(2q) fit
// by least squares stand in for the shocks, then x_t is regressed on p lags of x and q lags of
// those residuals (minimum-norm least squares). Too short a series gives zeros; so does a
// non-stationary AR part or a non-invertible MA part, as statsmodels does.
void cssStartParams(std::span<const double> w, int p, int q, std::vector<double>& phi,
                    std::vector<double>& theta);

struct MinimizeOptions {
    int maxIterations = 200;
    double gradientTolerance = 1e-6;   // stop when max |gradient| falls below
    double relativeTolerance = 1e-11;  // stop when an iteration improves f by less (relative)
    int memory = 10;                   // L-BFGS correction pairs
    bool centralDifferences = true;    // else forward differences: half the evaluations
};

struct MinimizeResult {
    std::vector<double> x;
    double f = 0;
    int iterations = 0;
    int evaluations = 0;
    bool converged = false;
};

using Objective = std::function<double(std::span<const double>)>;
// out[k] = f(points[k]) for every point: lets an objective share work across the points of a
// finite-difference gradient (arima_batch_filter.h).
using BatchObjective =
    std::function<void(const std::vector<std::vector<double>>& points, std::span<double> out)>;

// Minimises f (which may return +inf for infeasible points) from x0. Gradients are finite
// differences (central by default: 2 evaluations per coordinate, accurate to ~1e-10), taken
// through `batch` when it is set (it must agree with f).
MinimizeResult minimizeLbfgs(const Objective& f, std::vector<double> x0,
                             const MinimizeOptions& options);
MinimizeResult minimizeLbfgs(const Objective& f, const BatchObjective& batch,
                             std::vector<double> x0, const MinimizeOptions& options);

}  // namespace moe::arima
