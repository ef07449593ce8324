// Several ARMA likelihoods over one series at once. A central-difference gradient of an
// ARIMA(5,1,5) fit asks for 20 likelihoods of nearby parameters over the same observations;
// filtered one after another, each is a chain of dependent scalar operations the CPU cannot
// overlap. Here the systems are filtered eight at a time, one per element of a vector, with
// each chunk's whole state (m rows of a, K, W and phi) held in registers for the run over the
// observations, so a step costs a few dozen vector instructions and no loads or stores. Each
// lane computes what arima_state_space's filterStep computes for its parameters, steady-state
// switch included (to rounding: v^2 / F is taken as v^2 times the reciprocal the step keeps).
#pragma once

#include <span>
#include <vector>

#include "core/predict/arima_state_space.h"

namespace moe::arima {

class BatchFilter {
public:
    // Filters every system in `systems` (all of one state size m) over `w` and writes each
    // one's concentrated log-likelihood (concentratedLogLikelihood) to out, or -inf where a
    // system has no stationary start or a degenerate fit (sum v^2 / F not positive).
    // Throws moe::Error for systems of different state sizes or m above kMaxState.
    void logLikelihoods(std::span<const ArmaSystem> systems, std::span<const double> w,
                        std::span<double> out);

    // The largest state the filter takes: max(p, q + 1) with p, q <= 10 (ArimaModel's bounds).
    static constexpr int kMaxState = 11;

private:
    void load(std::span<const ArmaSystem> systems);

    int m_ = 0, lanes_ = 0, chunks_ = 0;
    // Per chunk of kWidth lanes, element-major within the chunk: value (chunk, row, lane) of a
    // per-row quantity at ((chunk * m + row) * kWidth + lane); per-lane ones at chunk * kWidth
    // + lane. Padding lanes are inert (steady, F = 1, K = 0) and their results are dropped.
    std::vector<double> phi_, K_, W_;
    std::vector<double> F_, M_, steady_;
    std::vector<double> sumV2F_, sumLogF_, productF_;
    std::vector<char> feasible_;
    KalmanState init_;  // scratch for each lane's stationary start
};

}  // namespace moe::arima
