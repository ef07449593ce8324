// The Kalman-filter core of ArimaModel: Harvey's state-space form of a zero-mean ARMA(p,q), the
// same form statsmodels' SARIMAX uses, filtered with unit innovation variance so the scale can be
// concentrated out of the likelihood. Kept apart from the model so the optimiser can evaluate
// trial parameters on scratch state without touching a model's filtered state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace moe::arima {

// x_t = Z s_t,  s_{t+1} = T s_t + R e_{t+1}, with Z = [1 0 ... 0], T = [phi | shift],
// R = [1 theta_1 ... theta_{m-1}]', m = max(p, q + 1).
struct ArmaSystem {
    int m = 1;
    std::vector<double> phi;  // first column of T, zero-padded to m
    std::vector<double> r;    // R, zero-padded to m

    ArmaSystem() = default;
    ArmaSystem(std::span<const double> phiIn, std::span<const double> thetaIn);
    void set(std::span<const double> phiIn, std::span<const double> thetaIn);  // reuses storage
};

// The filter's running state, in units of the innovation variance. `a` is the one-step-ahead
// prediction of the state for the next observation; instead of its covariance P the filter keeps
// what the likelihood and the state update need: F = P[0][0], the gain K = T P Z' / F, and the
// rank-one change P_{t+1} - P_t = M W W' (Chandrasekhar recursions).
// Once M |W|^2 falls below kSteadyTolerance, P has stopped changing: P is in units of sigma^2
// and F_t >= 1, so this is far below anything the likelihood sees. One constant for the
// single-series filter and the batched one, which must agree.
inline constexpr double kSteadyTolerance = 1e-13;
struct KalmanState {
    std::vector<double> a;
    std::vector<double> K;
    std::vector<double> W;
    double F = 1;
    double M = 0;
    bool steady = false;  // P stopped changing: only `a` moves from here on
    double sumLogF = 0;   // sum of log F_t (F_t = prediction-error variance / sigma^2) ...
    double productF = 1;  // ... plus the log of this product of the latest F_t
    double sumV2F = 0;    // sum of v_t^2 / F_t
    int64_t n = 0;        // observations filtered

    double logDetF() const;  // sum of log F_t over every filtered observation
};

// Solves P = T P T' + R R' (discrete Lyapunov equation) for the stationary covariance.
// False when the system is (numerically) non-stationary.
bool stationaryCovariance(const ArmaSystem& sys, std::vector<double>& P);

// Column 0 of that P (P[i][0], i = 0..m-1) in m^2 work: all the filter's start needs.
bool stationaryFirstColumn(const ArmaSystem& sys, std::vector<double>& column);

// Starts the filter at the stationary distribution (mean 0). False as above.
bool initialiseFilter(const ArmaSystem& sys, KalmanState& state);

// Filters one observation y of the (differenced) series.
void filterStep(const ArmaSystem& sys, KalmanState& state, double y, std::vector<double>& scratch);

// Exact Gaussian log-likelihood of the filtered observations with the scale profiled out
// (sigma^2 = sumV2F / n), and with a given sigma^2.
double concentratedLogLikelihood(const KalmanState& state);
double logLikelihood(const KalmanState& state, double sigma2);

// Point forecasts of the next out.size() observations from the predicted state `a`.
void forecastArma(const ArmaSystem& sys, std::span<const double> a, std::span<double> out,
                  std::vector<double>& scratch);

}  // namespace moe::arima
