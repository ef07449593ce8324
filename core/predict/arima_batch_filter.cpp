// See arima_batch_filter.h. Every loop runs over lanes innermost so the compiler vectorises it;
// a lane whose covariance has converged keeps its F and K through a select, as filterStep's
// early return does, instead of a branch that would stop the vectorisation.
#include "core/predict/arima_batch_filter.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/common/error.h"

namespace moe::arima {

namespace {

// filterStep's tolerance: once M |W|^2 falls below it, P has stopped changing.
constexpr double kSteadyTolerance = 1e-13;

}  // namespace

bool BatchFilter::load(std::span<const ArmaSystem> systems) {
    m_ = systems.front().m;
    lanes_ = static_cast<int>(systems.size());
    const size_t n = static_cast<size_t>(m_) * lanes_;
    phi_.assign(n, 0.0);
    a_.assign(n, 0.0);
    K_.assign(n, 0.0);
    W_.assign(n, 0.0);
    TW_.assign(n, 0.0);
    for (auto* v : {&F_, &M_, &steady_, &sumV2F_, &sumLogF_, &productF_, &a0_, &v_, &w0_, &Fn_,
                    &largest_, &invFn_, &Mw0_, &zeros_})
        v->assign(lanes_, 0.0);
    feasible_.assign(lanes_, 0);
    unsteady_ = 0;
    for (int j = 0; j < lanes_; ++j) {
        const ArmaSystem& sys = systems[j];
        if (sys.m != m_) throw Error("ARIMA batch filter: systems of different state sizes");
        productF_[j] = 1;
        F_[j] = 1;
        steady_[j] = 1;  // an infeasible lane stays inert: K = 0, F = 1
        if (!initialiseFilter(sys, init_)) continue;
        feasible_[j] = 1;
        for (int i = 0; i < m_; ++i) {
            phi_[i * lanes_ + j] = sys.phi[i];
            K_[i * lanes_ + j] = init_.K[i];
            W_[i * lanes_ + j] = init_.W[i];
        }
        F_[j] = init_.F;
        M_[j] = init_.M;
        steady_[j] = 0;
        ++unsteady_;
    }
    return unsteady_ > 0;
}

void BatchFilter::step(double y) {
    const int L = lanes_;
    for (int j = 0; j < L; ++j) {
        const double v = y - a_[j];
        v_[j] = v;
        a0_[j] = a_[j];
        productF_[j] *= F_[j];
        sumV2F_[j] += v * v / F_[j];
    }
    for (int j = 0; j < L; ++j)
        if (productF_[j] > 1e250) {  // rare: fold the product into the log sum, as filterStep
            sumLogF_[j] += std::log(productF_[j]);
            productF_[j] = 1;
        }
    // a <- T a + K v, row by row; row i reads row i + 1 before it is updated, as filterStep.
    for (int i = 0; i < m_; ++i) {
        double* a = &a_[i * L];
        const double* phi = &phi_[i * L];
        const double* K = &K_[i * L];
        if (i + 1 < m_) {
            const double* next = &a_[(i + 1) * L];
            for (int j = 0; j < L; ++j) a[j] = phi[j] * a0_[j] + next[j] + K[j] * v_[j];
        } else {
            for (int j = 0; j < L; ++j) a[j] = phi[j] * a0_[j] + K[j] * v_[j];
        }
    }
    if (unsteady_ > 0) chandrasekhar();
}

void BatchFilter::chandrasekhar() {
    const int L = lanes_;
    // filterStep's recursions per lane; a steady lane keeps all of its F, K, W and M. Divisions
    // become one reciprocal per lane (the divider is the bottleneck otherwise); restrict and
    // `omp simd` let the compiler turn the selects into vector blends.
    double* __restrict w0 = w0_.data();
    double* __restrict Fn = Fn_.data();
    double* __restrict invFn = invFn_.data();
    double* __restrict Mw0 = Mw0_.data();
    double* __restrict largest = largest_.data();
    double* __restrict F = F_.data();
    double* __restrict M = M_.data();
    double* __restrict steady = steady_.data();
#pragma omp simd
    for (int j = 0; j < L; ++j) {
        w0[j] = W_[j];
        Fn[j] = F[j] + M[j] * w0[j] * w0[j];
        invFn[j] = 1.0 / Fn[j];
        Mw0[j] = M[j] * w0[j];
        largest[j] = 0;
    }
    for (int i = 0; i < m_; ++i) {
        const double* __restrict phi = &phi_[i * L];
        double* __restrict TW = &TW_[i * L];
        const double* __restrict next = i + 1 < m_ ? &W_[(i + 1) * L] : zeros_.data();
#pragma omp simd
        for (int j = 0; j < L; ++j) TW[j] = phi[j] * w0[j] + next[j];
    }
    for (int i = 0; i < m_; ++i) {
        double* __restrict K = &K_[i * L];
        double* __restrict W = &W_[i * L];
        const double* __restrict TW = &TW_[i * L];
#pragma omp simd
        for (int j = 0; j < L; ++j) {
            const double k = (K[j] * F[j] + Mw0[j] * TW[j]) * invFn[j];
            const double w = TW[j] - k * w0[j];
            const bool frozen = steady[j] != 0.0;
            K[j] = frozen ? K[j] : k;
            W[j] = frozen ? W[j] : w;
            const double size = std::abs(w);
            largest[j] = size > largest[j] ? size : largest[j];
        }
    }
    int unsteady = 0;
#pragma omp simd reduction(+ : unsteady)
    for (int j = 0; j < L; ++j) {
        const double Mn = M[j] + Mw0[j] * Mw0[j] / F[j];
        const bool nowSteady = std::abs(Mn) * largest[j] * largest[j] < kSteadyTolerance;
        const bool frozen = steady[j] != 0.0;
        M[j] = frozen ? M[j] : Mn;
        F[j] = frozen ? F[j] : Fn[j];
        const double stays = frozen ? 1.0 : 0.0;
        steady[j] = nowSteady ? 1.0 : stays;
        unsteady += (frozen || nowSteady) ? 0 : 1;
    }
    unsteady_ = unsteady;
}

void BatchFilter::logLikelihoods(std::span<const ArmaSystem> systems, std::span<const double> w,
                                 std::span<double> out) {
    const double minusInf = -std::numeric_limits<double>::infinity();
    if (systems.empty()) return;
    if (!load(systems)) {
        for (double& o : out) o = minusInf;
        return;
    }
    for (double y : w) step(y);
    const double n = static_cast<double>(w.size());
    for (int j = 0; j < lanes_; ++j) {
        KalmanState s;
        s.n = static_cast<int64_t>(w.size());
        s.sumV2F = sumV2F_[j];
        s.sumLogF = sumLogF_[j];
        s.productF = productF_[j];
        const bool ok = feasible_[j] && sumV2F_[j] > 0 && n > 0;
        out[j] = ok ? concentratedLogLikelihood(s) : minusInf;
    }
}

}  // namespace moe::arima
