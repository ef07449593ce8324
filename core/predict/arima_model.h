// One ARIMA(p,d,q) series model for the ARIMA load predictor (methods.md section 1):
// (1 - sum phi_i L^i)(1 - L)^d X_t = (1 + sum theta_j L^j) eps_t, no constant or trend, fitted
// as statsmodels.tsa.arima.model.ARIMA(trend='n') does: exact Gaussian maximum likelihood via a
// Kalman filter on the d-times differenced series, stationarity and invertibility enforced.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/predict/arima_state_space.h"

namespace moe {

struct ArimaParams {
    std::vector<double> phi;    // AR coefficients, size p
    std::vector<double> theta;  // MA coefficients, size q
    double sigma2 = 1;          // innovation variance
};

enum class ArimaFitStatus {
    NotFitted,            // nothing fitted or filtered yet: forecasts the last value (or 0)
    Converged,            // maximum-likelihood estimate, optimiser converged
    MaxIterations,        // optimiser hit its iteration cap; best parameters found are used
    Given,                // parameters from setParams(), state from filter()
    TooShort,             // fallback: too few observations; last value (d >= 1) or mean (d = 0)
    ConstantDifferences,  // fallback: the differenced series is constant; that constant continues
};

const char* toString(ArimaFitStatus status);

struct ArimaFitOptions {
    bool warmStart = false;  // start from params() when valid, instead of the CSS start values
    int maxIterations = 200;
    double gradientTolerance = 1e-6;   // on -loglik / n in the unconstrained parameters
    double relativeTolerance = 1e-11;  // stop when an iteration improves -loglik / n less
    bool centralDifferences = true;    // gradient by central (else forward) differences
};

class ArimaModel {
public:
    // Throws moe::Error unless 0 <= p, q <= 10 and 0 <= d <= 2.
    ArimaModel(int p, int d, int q);

    int p() const { return p_; }
    int d() const { return d_; }
    int q() const { return q_; }
    // Below this many observations fit() falls back (TooShort): the likelihood is nearly flat.
    int minObservations() const { return d_ + p_ + q_ + 2; }

    // Fits the parameters to `series` and leaves the filter at its end. Throws moe::Error on a
    // non-finite value. Never throws for short or constant series: see the fallback statuses.
    ArimaFitStatus fit(std::span<const double> series, const ArimaFitOptions& options = {});

    const ArimaParams& params() const { return params_; }
    // Sets the parameters (status Given); call filter() before forecasting. Throws moe::Error on
    // wrong sizes, non-finite values, sigma2 <= 0, or a non-stationary / non-invertible model.
    void setParams(const ArimaParams& params);
    // Runs the filter over `series` with the current parameters, without fitting.
    void filter(std::span<const double> series);
    // Extends the filtered state by one observation without refitting.
    void append(double x);

    // Point forecasts of X for 1..steps ahead (the ARMA forecasts integrated d times). They use
    // the model's scratch buffers: do not forecast from one model on two threads at once.
    std::vector<double> forecast(int steps) const;
    void forecast(std::span<double> out) const;  // out.size() steps, no allocation of the result

    ArimaFitStatus status() const { return status_; }
    bool usesFallback() const;
    // Exact Gaussian log-likelihood of the differenced observations filtered so far (fit or
    // filter plus appends) under params(); statsmodels' llf with exact diffuse initialisation
    // differs from it only by a constant for d >= 1.
    double logLikelihood() const;
    int iterations() const { return iterations_; }  // optimiser iterations of the last fit
    int64_t observations() const { return count_; }

private:
    void resetData(std::span<const double> series);
    void runFilter(std::span<const double> w);
    std::vector<double> differenced(std::span<const double> series) const;
    void fallbackForecast(std::span<double> out) const;
    void integrate(std::span<double> out) const;

    int p_, d_, q_;
    ArimaParams params_;
    ArimaFitStatus status_ = ArimaFitStatus::NotFitted;
    int iterations_ = 0;
    bool haveParams_ = false;  // params_ were fitted or given: usable as a warm start
    arima::ArmaSystem system_;
    arima::KalmanState state_;
    bool filterValid_ = false;       // state_ follows the data (not a fallback)
    double constantDifference_ = 0;  // ConstantDifferences: the d-th difference that continues
    std::vector<double> recent_;     // the last up-to-(d + 1) observations, oldest first
    double sum_ = 0;                 // of every observation, for the d = 0 fallback (mean)
    int64_t count_ = 0;
    mutable std::vector<double> scratch_, scratch2_;
};

}  // namespace moe
