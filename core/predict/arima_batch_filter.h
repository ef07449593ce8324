// Several ARMA likelihoods over one series at once. A central-difference gradient of an
// ARIMA(5,1,5) fit asks for 20 likelihoods of nearby parameters over the same observations;
// filtered one after another, each is a chain of dependent scalar operations the CPU cannot
// overlap. Filtered side by side (lanes innermost, structure-of-arrays), the same recursions
// vectorise and hide each other's latency. Each lane computes exactly what arima_state_space's
// filterStep computes for its parameters, steady-state switch included.
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
    void logLikelihoods(std::span<const ArmaSystem> systems, std::span<const double> w,
                        std::span<double> out);

private:
    bool load(std::span<const ArmaSystem> systems);
    void step(double y);
    void chandrasekhar();

    int m_ = 0, lanes_ = 0;
    // Row i holds element i of every lane: x[i * lanes + j].
    std::vector<double> phi_, a_, K_, W_, TW_;
    std::vector<double> F_, M_, steady_, sumV2F_, sumLogF_, productF_, a0_, v_;
    std::vector<double> w0_, Fn_, invFn_, Mw0_, largest_, zeros_;  // Chandrasekhar scratch
    std::vector<char> feasible_;
    int unsteady_ = 0;  // lanes still moving P
    KalmanState init_;  // scratch for each lane's stationary start
};

}  // namespace moe::arima
