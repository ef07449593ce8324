// See arima_estimation.h. The transformations follow statsmodels.tsa.statespace.tools
// (constrain_stationary_univariate / unconstrain_stationary_univariate) line by line, so that a
// parameter vector means the same thing on both sides of the fixture comparison.
#include "core/predict/arima_estimation.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace moe::arima {

void constrainStationary(std::span<const double> unconstrained, std::span<double> out) {
    // Partial autocorrelations r_k in (-1, 1), then the Durbin-Levinson recursion.
    const size_t n = unconstrained.size();
    thread_local std::vector<double> prev, cur;  // called for every trial point of every fit
    prev.assign(n, 0.0);
    cur.assign(n, 0.0);
    for (size_t k = 0; k < n; ++k) {
        const double u = unconstrained[k];
        const double r = u / std::sqrt(1 + u * u);
        for (size_t i = 0; i < k; ++i) cur[i] = prev[i] + r * prev[k - i - 1];
        cur[k] = r;
        std::swap(prev, cur);
    }
    for (size_t i = 0; i < n; ++i) out[i] = -prev[i];
}

bool unconstrainStationary(std::span<const double> constrained, std::span<double> out) {
    // Runs the recursion backwards; a partial autocorrelation outside (-1, 1) means the
    // polynomial is not stationary.
    const size_t n = constrained.size();
    std::vector<double> cur(n), prev(n);
    for (size_t i = 0; i < n; ++i) cur[i] = -constrained[i];
    for (size_t k = n; k-- > 0;) {
        const double r = cur[k];
        if (!(std::abs(r) < 1)) return false;
        out[k] = r / std::sqrt(1 - r * r);
        for (size_t i = 0; i < k; ++i) prev[i] = (cur[i] - r * cur[k - i - 1]) / (1 - r * r);
        std::swap(prev, cur);
    }
    return true;
}

bool isStationary(std::span<const double> phi) {
    std::vector<double> u(phi.size());
    return unconstrainStationary(phi, u);
}

bool isInvertible(std::span<const double> theta) {
    std::vector<double> neg(theta.size()), u(theta.size());
    for (size_t i = 0; i < theta.size(); ++i) neg[i] = -theta[i];
    return unconstrainStationary(neg, u);
}

void cssStartParams(std::span<const double> w, int p, int q, std::vector<double>& phi,
                    std::vector<double>& theta) {
    phi.assign(p, 0.0);
    theta.assign(q, 0.0);
    const int n = static_cast<int>(w.size());
    const int k = 2 * q;
    const int r = std::max(k + q, p);
    if (p + q == 0 || n <= r || n <= k) return;  // statsmodels: too few observations -> zeros
    auto solve = [](const Eigen::MatrixXd& X, const Eigen::VectorXd& Y) -> Eigen::VectorXd {
        return X.completeOrthogonalDecomposition().solve(Y);  // = pinv(X) Y
    };
    std::vector<double> resid;  // residual of the long AR(k) at time t, stored at t - k
    if (q > 0) {
        Eigen::MatrixXd X(n - k, k);
        Eigen::VectorXd Y(n - k);
        for (int t = k; t < n; ++t) {
            Y[t - k] = w[t];
            for (int j = 1; j <= k; ++j) X(t - k, j - 1) = w[t - j];
        }
        const Eigen::VectorXd e = Y - X * solve(X, Y);
        resid.assign(e.data(), e.data() + e.size());
    }
    Eigen::MatrixXd X(n - r, p + q);
    Eigen::VectorXd Y(n - r);
    for (int t = r; t < n; ++t) {
        Y[t - r] = w[t];
        for (int i = 1; i <= p; ++i) X(t - r, i - 1) = w[t - i];
        for (int j = 1; j <= q; ++j) X(t - r, p + j - 1) = resid[t - k - j];
    }
    const Eigen::VectorXd b = solve(X, Y);
    for (int i = 0; i < p; ++i) phi[i] = b[i];
    for (int j = 0; j < q; ++j) theta[j] = b[p + j];
    if (!b.allFinite() || !isStationary(phi)) std::fill(phi.begin(), phi.end(), 0.0);
    if (!b.allFinite() || !isInvertible(theta)) std::fill(theta.begin(), theta.end(), 0.0);
}

namespace {

// Finite differences with steps scaled to each coordinate (eps^(1/3) central, eps^(1/2)
// forward); one-sided where a side is infeasible. With a batch objective every shifted point
// is evaluated in one call.
struct GradientContext {
    const Objective& f;
    const BatchObjective& batch;
    bool central;
    std::vector<std::vector<double>> points;  // batch: x + h e_i, then x - h e_i when central
    std::vector<double> values;
};

void shiftedValues(GradientContext& c, std::vector<double>& x, const std::vector<double>& h,
                   std::vector<double>& up, std::vector<double>& down, int& evaluations) {
    const size_t n = x.size();
    const size_t count = c.central ? 2 * n : n;
    evaluations += static_cast<int>(count);
    if (c.batch) {
        c.points.resize(count);
        for (auto& point : c.points) point.assign(x.begin(), x.end());  // keeps capacity
        for (size_t i = 0; i < n; ++i) {
            c.points[i][i] += h[i];
            if (c.central) c.points[n + i][i] -= h[i];
        }
        c.values.resize(count);
        c.batch(c.points, c.values);
        for (size_t i = 0; i < n; ++i) {
            up[i] = c.values[i];
            if (c.central) down[i] = c.values[n + i];
        }
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const double xi = x[i];
        x[i] = xi + h[i];
        up[i] = c.f(x);
        if (c.central) {
            x[i] = xi - h[i];
            down[i] = c.f(x);
        }
        x[i] = xi;
    }
}

void gradient(GradientContext& c, std::vector<double>& x, double fx, std::vector<double>& g,
              int& evaluations) {
    const double eps = std::numeric_limits<double>::epsilon();
    const double base = c.central ? std::cbrt(eps) : std::sqrt(eps);
    const size_t n = x.size();
    std::vector<double> h(n), up(n), down(n, std::numeric_limits<double>::infinity());
    for (size_t i = 0; i < n; ++i) h[i] = base * std::max(1.0, std::abs(x[i]));
    shiftedValues(c, x, h, up, down, evaluations);
    for (size_t i = 0; i < n; ++i) {
        if (std::isfinite(up[i]) && std::isfinite(down[i]))
            g[i] = (up[i] - down[i]) / (2 * h[i]);
        else if (std::isfinite(up[i]))
            g[i] = (up[i] - fx) / h[i];
        else if (std::isfinite(down[i]))
            g[i] = (fx - down[i]) / h[i];
        else
            g[i] = 0;
    }
}

double maxAbs(const std::vector<double>& v) {
    double m = 0;
    for (double x : v) m = std::max(m, std::abs(x));
    return m;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

// The L-BFGS two-loop recursion: d = -H g.
std::vector<double> direction(const std::vector<double>& g,
                              const std::deque<std::vector<double>>& S,
                              const std::deque<std::vector<double>>& Yd) {
    std::vector<double> d = g;
    std::vector<double> alpha(S.size());
    for (size_t k = S.size(); k-- > 0;) {
        alpha[k] = dot(S[k], d) / dot(Yd[k], S[k]);
        for (size_t i = 0; i < d.size(); ++i) d[i] -= alpha[k] * Yd[k][i];
    }
    // Initial Hessian: gamma I from the newest pair, or a step of at most 1 on the first move.
    const double gamma = S.empty() ? 1.0 / std::max(1.0, std::sqrt(dot(g, g)))
                                   : dot(S.back(), Yd.back()) / dot(Yd.back(), Yd.back());
    for (double& v : d) v *= gamma;
    for (size_t k = 0; k < S.size(); ++k) {
        const double beta = dot(Yd[k], d) / dot(Yd[k], S[k]);
        for (size_t i = 0; i < d.size(); ++i) d[i] += S[k][i] * (alpha[k] - beta);
    }
    for (double& v : d) v = -v;
    return d;
}

// Backtracking from a unit step with safeguarded quadratic interpolation until the Armijo
// condition holds. Returns false when 40 reductions found no acceptable point.
bool backtrack(const Objective& f, const std::vector<double>& x, double fx,
               const std::vector<double>& d, double slope, std::vector<double>& xNew, double& fNew,
               int& evaluations) {
    double step = 1;
    for (int tries = 0; tries < 40; ++tries) {
        for (size_t i = 0; i < x.size(); ++i) xNew[i] = x[i] + step * d[i];
        fNew = f(xNew);
        ++evaluations;
        if (std::isfinite(fNew) && fNew <= fx + 1e-4 * step * slope) return true;
        const double q = std::isfinite(fNew)
                             ? -slope * step * step / (2 * (fNew - fx - slope * step))
                             : 0.1 * step;
        step = std::clamp(q, 0.1 * step, 0.5 * step);
    }
    return false;
}

// Keeps the newest `memory` curvature pairs, skipping those that would break positive
// definiteness (s'y <= 0, possible with a line search that checks only Armijo).
void remember(std::deque<std::vector<double>>& S, std::deque<std::vector<double>>& Yd,
              std::vector<double> s, std::vector<double> y, int memory) {
    if (!(dot(s, y) > 1e-12 * std::sqrt(dot(s, s) * dot(y, y)))) return;
    S.push_back(std::move(s));
    Yd.push_back(std::move(y));
    if (static_cast<int>(S.size()) > memory) {
        S.pop_front();
        Yd.pop_front();
    }
}

}  // namespace

MinimizeResult minimizeLbfgs(const Objective& f, std::vector<double> x0,
                             const MinimizeOptions& options) {
    return minimizeLbfgs(f, nullptr, std::move(x0), options);
}

MinimizeResult minimizeLbfgs(const Objective& f, const BatchObjective& batch,
                             std::vector<double> x0, const MinimizeOptions& options) {
    MinimizeResult res;
    res.x = std::move(x0);
    res.f = f(res.x);
    res.evaluations = 1;
    const size_t n = res.x.size();
    if (n == 0 || !std::isfinite(res.f)) return res;
    std::vector<double> g(n), gNew(n), xNew(n);
    GradientContext context{f, batch, options.centralDifferences, {}, {}};
    gradient(context, res.x, res.f, g, res.evaluations);
    std::deque<std::vector<double>> S, Yd;
    while (res.iterations < options.maxIterations && maxAbs(g) >= options.gradientTolerance) {
        std::vector<double> d = direction(g, S, Yd);
        if (!(dot(g, d) < 0)) {  // not a descent direction: forget the curvature pairs
            S.clear();
            Yd.clear();
            d = direction(g, S, Yd);
        }
        double fNew = 0;
        ++res.iterations;
        if (!backtrack(f, res.x, res.f, d, dot(g, d), xNew, fNew, res.evaluations)) {
            // Stuck, typically within gradient noise of an optimum: accept a near-zero gradient.
            res.converged = maxAbs(g) < 1e3 * options.gradientTolerance;
            return res;
        }
        gradient(context, xNew, fNew, gNew, res.evaluations);
        std::vector<double> s(n), y(n);
        for (size_t i = 0; i < n; ++i) {
            s[i] = xNew[i] - res.x[i];
            y[i] = gNew[i] - g[i];
        }
        remember(S, Yd, std::move(s), std::move(y), options.memory);
        // scipy's L-BFGS-B test: relative improvement below the tolerance ends the search.
        const double scale = std::max({std::abs(res.f), std::abs(fNew), 1.0});
        const bool stalled = res.f - fNew <= options.relativeTolerance * scale;
        res.x = xNew;
        res.f = fNew;
        g = gNew;
        if (stalled) {
            res.converged = true;
            return res;
        }
    }
    res.converged = maxAbs(g) < options.gradientTolerance;
    return res;
}

}  // namespace moe::arima
