// See arima_model.h. The optimiser works on the unconstrained parameters of
// arima_estimation.h and minimises -loglik / n with the scale concentrated out, so an ARMA(p,q)
// fit searches p + q dimensions; sigma^2 follows in closed form afterwards.
#include "core/predict/arima_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/common/error.h"
#include "core/predict/arima_batch_filter.h"
#include "core/predict/arima_estimation.h"

namespace moe {

const char* toString(ArimaFitStatus status) {
    switch (status) {
        case ArimaFitStatus::NotFitted:
            return "not_fitted";
        case ArimaFitStatus::Converged:
            return "converged";
        case ArimaFitStatus::MaxIterations:
            return "max_iterations";
        case ArimaFitStatus::Given:
            return "given";
        case ArimaFitStatus::TooShort:
            return "too_short";
        case ArimaFitStatus::ConstantDifferences:
            return "constant_differences";
    }
    return "unknown";
}

ArimaModel::ArimaModel(int p, int d, int q) : p_(p), d_(d), q_(q) {
    if (p < 0 || p > 10) throw Error("ARIMA: p must be in 0..10, got " + std::to_string(p));
    if (d < 0 || d > 2) throw Error("ARIMA: d must be in 0..2, got " + std::to_string(d));
    if (q < 0 || q > 10) throw Error("ARIMA: q must be in 0..10, got " + std::to_string(q));
    params_.phi.assign(p, 0.0);
    params_.theta.assign(q, 0.0);
}

bool ArimaModel::usesFallback() const { return !filterValid_; }

void ArimaModel::resetData(std::span<const double> series) {
    for (size_t i = 0; i < series.size(); ++i)
        if (!std::isfinite(series[i]))
            throw Error("ARIMA: series value " + std::to_string(i) + " is not finite");
    const size_t keep = std::min(series.size(), static_cast<size_t>(d_) + 1);
    recent_.assign(series.end() - static_cast<std::ptrdiff_t>(keep), series.end());
    sum_ = 0;
    for (double x : series) sum_ += x;
    count_ = static_cast<int64_t>(series.size());
    filterValid_ = false;
    iterations_ = 0;
}

std::vector<double> ArimaModel::differenced(std::span<const double> series) const {
    std::vector<double> w(series.begin(), series.end());
    for (int k = 0; k < d_ && !w.empty(); ++k) {
        for (size_t i = 0; i + 1 < w.size(); ++i) w[i] = w[i + 1] - w[i];
        w.pop_back();
    }
    return w;
}

void ArimaModel::runFilter(std::span<const double> w) {
    system_ = arima::ArmaSystem(params_.phi, params_.theta);
    if (!arima::initialiseFilter(system_, state_))
        throw Error("ARIMA: no stationary covariance for the given AR parameters");
    for (double y : w) arima::filterStep(system_, state_, y, scratch_);
    filterValid_ = true;
}

namespace {

// Unconstrained coordinates of (phi, theta): arima_estimation.h's transform of phi and of -theta.
// A polynomial outside the admissible region (never produced by a fit) starts from zeros.
std::vector<double> toUnconstrained(const std::vector<double>& phi,
                                    const std::vector<double>& theta) {
    const size_t p = phi.size();
    std::vector<double> u(p + theta.size()), negTheta(theta.size());
    for (size_t j = 0; j < theta.size(); ++j) negTheta[j] = -theta[j];
    if (!arima::unconstrainStationary(phi, std::span(u).first(p))) std::fill_n(u.begin(), p, 0.0);
    if (!arima::unconstrainStationary(negTheta, std::span(u).subspan(p)))
        std::fill(u.begin() + static_cast<std::ptrdiff_t>(p), u.end(), 0.0);
    return u;
}

void fromUnconstrained(std::span<const double> u, std::vector<double>& phi,
                       std::vector<double>& theta) {
    arima::constrainStationary(u.first(phi.size()), phi);
    arima::constrainStationary(u.subspan(phi.size()), theta);
    for (double& t : theta) t = -t;
}

}  // namespace

ArimaFitStatus ArimaModel::fit(std::span<const double> series, const ArimaFitOptions& options) {
    resetData(series);
    if (count_ < minObservations()) return status_ = ArimaFitStatus::TooShort;
    const std::vector<double> w = differenced(series);
    const auto [lo, hi] = std::minmax_element(w.begin(), w.end());
    if (*hi - *lo <= 1e-12 * std::max({1.0, std::abs(*lo), std::abs(*hi)})) {
        constantDifference_ = w.back();
        return status_ = ArimaFitStatus::ConstantDifferences;
    }
    // Start values: the previous fit when asked and usable, else statsmodels' CSS start.
    std::vector<double> phi = params_.phi, theta = params_.theta;
    if (!(options.warmStart && haveParams_ && arima::isStationary(phi) &&
          arima::isInvertible(theta)))
        arima::cssStartParams(w, p_, q_, phi, theta);

    // -loglik / n of trial parameters, on scratch state so the model's own filter is untouched.
    // Line-search points go through the batch filter too (one lane): faster than the scalar
    // step, and the same arithmetic as the gradient's points.
    const double n = static_cast<double>(w.size());
    constexpr double kInfeasible = std::numeric_limits<double>::infinity();
    arima::BatchFilter batchFilter;
    std::vector<arima::ArmaSystem> systems;
    std::vector<double> lanePhi(phi.size()), laneTheta(theta.size());
    auto objective = [&](std::span<const double> u) {
        fromUnconstrained(u, lanePhi, laneTheta);
        systems.resize(1);
        systems[0].set(lanePhi, laneTheta);
        double ll = 0;
        batchFilter.logLikelihoods(systems, w, std::span(&ll, 1));
        return std::isfinite(ll) ? -ll / n : kInfeasible;
    };
    // The gradient's 2 (p + q) shifted points, filtered side by side.
    auto batch = [&](const std::vector<std::vector<double>>& points, std::span<double> out) {
        systems.resize(points.size());
        for (size_t k = 0; k < points.size(); ++k) {
            fromUnconstrained(points[k], lanePhi, laneTheta);
            systems[k].set(lanePhi, laneTheta);
        }
        batchFilter.logLikelihoods(systems, w, out);
        for (double& o : out) o = std::isfinite(o) ? -o / n : kInfeasible;
    };
    arima::MinimizeOptions mo;
    mo.maxIterations = options.maxIterations;
    mo.gradientTolerance = options.gradientTolerance;
    mo.relativeTolerance = options.relativeTolerance;
    mo.centralDifferences = options.centralDifferences;
    const arima::MinimizeResult best =
        arima::minimizeLbfgs(objective, batch, toUnconstrained(phi, theta), mo);

    fromUnconstrained(best.x, params_.phi, params_.theta);
    runFilter(w);
    params_.sigma2 = state_.sumV2F / n;
    iterations_ = best.iterations;
    haveParams_ = true;
    return status_ = (best.converged || p_ + q_ == 0) ? ArimaFitStatus::Converged
                                                      : ArimaFitStatus::MaxIterations;
}

void ArimaModel::setParams(const ArimaParams& params) {
    if (static_cast<int>(params.phi.size()) != p_ || static_cast<int>(params.theta.size()) != q_)
        throw Error("ARIMA: setParams needs " + std::to_string(p_) + " AR and " +
                    std::to_string(q_) + " MA coefficients");
    for (double v : params.phi)
        if (!std::isfinite(v)) throw Error("ARIMA: phi has a non-finite value");
    for (double v : params.theta)
        if (!std::isfinite(v)) throw Error("ARIMA: theta has a non-finite value");
    if (!(params.sigma2 > 0) || !std::isfinite(params.sigma2))
        throw Error("ARIMA: sigma2 must be positive and finite");
    if (!arima::isStationary(params.phi)) throw Error("ARIMA: phi is not stationary");
    if (!arima::isInvertible(params.theta)) throw Error("ARIMA: theta is not invertible");
    params_ = params;
    haveParams_ = true;
    status_ = ArimaFitStatus::Given;
    filterValid_ = false;
}

void ArimaModel::filter(std::span<const double> series) {
    resetData(series);
    status_ = ArimaFitStatus::Given;
    if (count_ < d_) return;  // not even one difference: forecasts fall back to the last value
    runFilter(differenced(series));
}

void ArimaModel::append(double x) {
    if (!std::isfinite(x)) throw Error("ARIMA: appended value is not finite");
    sum_ += x;
    ++count_;
    recent_.push_back(x);
    if (recent_.size() > static_cast<size_t>(d_) + 1) recent_.erase(recent_.begin());
    if (!filterValid_ || recent_.size() != static_cast<size_t>(d_) + 1) return;
    double w = x;
    if (d_ == 1) w = recent_[1] - recent_[0];
    if (d_ == 2) w = recent_[2] - 2 * recent_[1] + recent_[0];
    arima::filterStep(system_, state_, w, scratch_);
}

void ArimaModel::integrate(std::span<double> out) const {
    // Level of every difference order at the last observation: tails[k] = (1 - L)^k X_n.
    double tails[3] = {0, 0, 0};
    std::vector<double>& cur = scratch2_;
    cur.assign(recent_.begin(), recent_.end());
    for (int k = 0; k < d_ && !cur.empty(); ++k) {
        tails[k] = cur.back();
        for (size_t i = 0; i + 1 < cur.size(); ++i) cur[i] = cur[i + 1] - cur[i];
        cur.pop_back();
    }
    for (int k = d_ - 1; k >= 0; --k) {
        double level = tails[k];
        for (double& o : out) o = level += o;
    }
}

void ArimaModel::fallbackForecast(std::span<double> out) const {
    if (status_ == ArimaFitStatus::ConstantDifferences) {
        std::fill(out.begin(), out.end(), constantDifference_);
        integrate(out);
        return;
    }
    double value = 0;
    if (count_ > 0) value = d_ == 0 ? sum_ / static_cast<double>(count_) : recent_.back();
    std::fill(out.begin(), out.end(), value);
}

void ArimaModel::forecast(std::span<double> out) const {
    if (!filterValid_) return fallbackForecast(out);
    arima::forecastArma(system_, state_.a, out, scratch_);
    integrate(out);
}

std::vector<double> ArimaModel::forecast(int steps) const {
    std::vector<double> out(std::max(steps, 0));
    forecast(std::span<double>(out));
    return out;
}

double ArimaModel::logLikelihood() const {
    if (!filterValid_) return std::numeric_limits<double>::quiet_NaN();
    return arima::logLikelihood(state_, params_.sigma2);
}

}  // namespace moe
