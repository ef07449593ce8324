// See arima_state_space.h. The filter runs once per observation for every likelihood evaluation
// of every fit, so it avoids the O(m^3) covariance update: with a stationary start the change of
// P is rank one, and the Chandrasekhar recursions carry that change in O(m) per observation.
#include "core/predict/arima_state_space.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <utility>

namespace moe::arima {

ArmaSystem::ArmaSystem(std::span<const double> phiIn, std::span<const double> thetaIn) {
    set(phiIn, thetaIn);
}

void ArmaSystem::set(std::span<const double> phiIn, std::span<const double> thetaIn) {
    m = std::max<int>(static_cast<int>(phiIn.size()), static_cast<int>(thetaIn.size()) + 1);
    phi.assign(m, 0.0);
    r.assign(m, 0.0);
    std::copy(phiIn.begin(), phiIn.end(), phi.begin());
    r[0] = 1.0;
    std::copy(thetaIn.begin(), thetaIn.end(), r.begin() + 1);
}

namespace {

// Solves A x = b in place (A row-major n x n, b of n) by Gaussian elimination with partial
// pivoting; one reciprocal per pivot instead of a division per eliminated row. Instantiated
// for each small n (solveSmall below) so the loops have fixed trip counts and unroll.
template <int Fixed>
bool solveGauss(double* A, double* b, int variable) {
    const int n = Fixed > 0 ? Fixed : variable;
    for (int c = 0; c < n; ++c) {
        int pivot = c;
        for (int r = c + 1; r < n; ++r)
            if (std::abs(A[r * n + c]) > std::abs(A[pivot * n + c])) pivot = r;
        if (!(std::abs(A[pivot * n + c]) > 1e-300)) return false;
        if (pivot != c) {
            for (int k = 0; k < n; ++k) std::swap(A[c * n + k], A[pivot * n + k]);
            std::swap(b[c], b[pivot]);
        }
        const double inverse = 1.0 / A[c * n + c];
        for (int r = c + 1; r < n; ++r) {
            const double f = A[r * n + c] * inverse;
            for (int k = c; k < n; ++k) A[r * n + k] -= f * A[c * n + k];
            b[r] -= f * b[c];
        }
        A[c * n + c] = inverse;  // kept for the back substitution
    }
    for (int c = n - 1; c >= 0; --c) {
        for (int k = c + 1; k < n; ++k) b[c] -= A[c * n + k] * b[k];
        b[c] *= A[c * n + c];
    }
    return true;
}

using Solver = bool (*)(double*, double*, int);

template <int... N>
constexpr std::array<Solver, sizeof...(N)> solversFor(std::integer_sequence<int, N...>) {
    return {&solveGauss<N>...};
}

// kSolvers[n] solves n x n systems; n = m + 1 <= 12 for ArimaModel's orders.
constexpr auto kSolvers = solversFor(std::make_integer_sequence<int, 13>{});

bool solveSmall(double* A, double* b, int n) {
    return n < static_cast<int>(kSolvers.size()) ? kSolvers[n](A, b, n) : solveGauss<0>(A, b, n);
}

// P from the autocovariances and psi weights. In matrix form, with Hankel Phi[i][j] = phi[i+j]
// and Rh[i][j] = r[i+j] (zero past m), G[j][k] = gamma(|j - k|) and
// C[j][k] = Cov(x_{t-1-j}, e_{t-k}) = psi[k - 1 - j]:
//   P = Phi G Phi' + Phi C Rh' + Rh C' Phi' + Rh Rh'   (m^3 work instead of m^4).
void assembleCovariance(const ArmaSystem& sys, const std::vector<double>& gamma,
                        const std::vector<double>& psi, std::vector<double>& P) {
    const int m = sys.m;
    const std::vector<double>& phi = sys.phi;
    const std::vector<double>& r = sys.r;
    thread_local std::vector<double> PhiG, PhiC;
    // Zero-padded copies make the Hankel reads Phi[i][k] = phiPad[i + k] branch-free.
    thread_local std::vector<double> phiPad, rPad;
    phiPad.assign(2 * static_cast<size_t>(m), 0.0);
    rPad.assign(2 * static_cast<size_t>(m), 0.0);
    std::copy(phi.begin(), phi.end(), phiPad.begin());
    std::copy(r.begin(), r.end(), rPad.begin());
    PhiG.assign(static_cast<size_t>(m) * m, 0.0);
    PhiC.assign(PhiG.size(), 0.0);
    for (int i = 0; i < m; ++i)
        for (int j = 0; i + j < m; ++j) {
            const double f = phi[i + j];
            for (int k = 0; k < m; ++k) PhiG[i * m + k] += f * gamma[std::abs(j - k)];
            for (int k = j + 1; k < m; ++k) PhiC[i * m + k] += f * psi[k - 1 - j];
        }
    P.assign(static_cast<size_t>(m) * m, 0.0);
    for (int i = 0; i < m; ++i)
        for (int l = i; l < m; ++l) {
            const double* phiL = &phiPad[l];
            const double* rL = &rPad[l];
            const double* rI = &rPad[i];
            double s = 0;
            for (int k = 0; k < m; ++k)
                s += PhiG[i * m + k] * phiL[k] + PhiC[i * m + k] * rL[k] + PhiC[l * m + k] * rI[k] +
                     rI[k] * rL[k];
            P[i * m + l] = P[l * m + i] = s;
        }
}

}  // namespace

namespace {

// The ARMA's psi weights (Cov(x_t, e_{t-h}) = psi_h) and autocovariances gamma(0..m), both with
// unit innovation variance. False when the AR part is (numerically) non-stationary.
bool autocovariances(const ArmaSystem& sys, std::vector<double>& psi, std::vector<double>& gamma) {
    const int m = sys.m;
    const std::vector<double>& phi = sys.phi;
    const std::vector<double>& r = sys.r;  // r[j] = theta_j, r[0] = 1
    psi.assign(m, 0.0);
    for (int k = 0; k < m; ++k) {
        psi[k] = r[k];
        for (int i = 1; i <= k; ++i) psi[k] += phi[i - 1] * psi[k - i];
    }
    // gamma(k) - sum_{i=1}^{m} phi_i gamma(|k - i|) = sum_{j>=k} theta_j psi_{j-k}, k = 0..m:
    // m + 1 equations in gamma(0..m) (phi and theta zero-padded to m add only zero terms).
    const int n = m + 1;
    // Every likelihood evaluation of every fit lands here: the matrix lives on the stack for
    // ArimaModel's orders (m <= 11), on the heap only beyond.
    constexpr int kOnStack = 12;
    std::array<double, kOnStack * kOnStack> onStack;
    std::vector<double> onHeap;
    if (n > kOnStack) onHeap.resize(static_cast<size_t>(n) * n);
    double* A = n > kOnStack ? onHeap.data() : onStack.data();
    std::fill(A, A + static_cast<size_t>(n) * n, 0.0);
    gamma.assign(n, 0.0);
    for (int k = 0; k < n; ++k) {
        A[k * n + k] += 1;
        for (int i = 1; i <= m; ++i) A[k * n + std::abs(k - i)] -= phi[i - 1];
        for (int j = k; j < m; ++j) gamma[k] += r[j] * psi[j - k];
    }
    return solveSmall(A, gamma.data(), n) && gamma[0] > 0;
}

}  // namespace

bool stationaryCovariance(const ArmaSystem& sys, std::vector<double>& P) {
    // Closed form instead of the m^2 x m^2 Kronecker system (16 us at m = 6, this is ~1 us):
    // unrolling s_{t+1} = T s_t + R e_{t+1} gives
    //   s_{i,t} = sum_{j=0}^{m-1-i} phi[i+j] x_{t-1-j} + r[i+j] e_{t-j},   x = s_0,
    // so P follows from the ARMA autocovariances gamma(h) and psi weights.
    thread_local std::vector<double> psi, gamma;
    if (!autocovariances(sys, psi, gamma)) return false;
    assembleCovariance(sys, gamma, psi, P);
    const int m = sys.m;
    for (double v : P)
        if (!std::isfinite(v)) return false;
    for (int i = 0; i < m; ++i)
        if (!(P[i * m + i] >= 0)) return false;
    return true;
}

bool stationaryFirstColumn(const ArmaSystem& sys, std::vector<double>& column) {
    // Column 0 of assembleCovariance's P = Phi G Phi' + Phi C Rh' + Rh C' Phi' + Rh Rh', each
    // product contracted with row 0 first (Phi[0][k] = phi[k], Rh[0][k] = r[k]): m^2 work.
    thread_local std::vector<double> psi, gamma, u, c, d;
    if (!autocovariances(sys, psi, gamma)) return false;
    const int m = sys.m;
    const std::vector<double>& phi = sys.phi;
    const std::vector<double>& r = sys.r;
    u.assign(m, 0.0);  // u_j = sum_k gamma(|j - k|) phi[k]
    c.assign(m, 0.0);  // c_j = sum_{k>j} psi[k-1-j] r[k]
    d.assign(m, 0.0);  // d_k = (Phi C)[0][k] = sum_{j<k} phi[j] psi[k-1-j]
    for (int j = 0; j < m; ++j)
        for (int k = 0; k < m; ++k) {
            u[j] += gamma[std::abs(j - k)] * phi[k];
            if (k > j) {
                c[j] += psi[k - 1 - j] * r[k];
                d[k] += phi[j] * psi[k - 1 - j];
            }
        }
    column.assign(m, 0.0);
    for (int i = 0; i < m; ++i) {
        double s = 0;
        for (int j = 0; i + j < m; ++j) s += phi[i + j] * (u[j] + c[j]) + (d[j] + r[j]) * r[i + j];
        column[i] = s;
    }
    for (double v : column)
        if (!std::isfinite(v)) return false;
    return column[0] > 0;
}

bool initialiseFilter(const ArmaSystem& sys, KalmanState& state) {
    const int m = sys.m;
    thread_local std::vector<double> P0;  // column 0 of P_1: all the start needs
    if (!stationaryFirstColumn(sys, P0)) return false;
    // Gain K_1 = T P_1 Z' / F_1. P_1 is stationary, so P_2 - P_1 = -K_1 F_1 K_1': W = K_1,
    // M = -F_1, and the difference stays rank one from here on.
    state.F = P0[0];
    state.K.assign(m, 0.0);
    for (int i = 0; i < m; ++i)
        state.K[i] = (sys.phi[i] * P0[0] + (i + 1 < m ? P0[i + 1] : 0.0)) / state.F;
    state.W = state.K;
    state.M = -state.F;
    state.a.assign(m, 0.0);
    state.steady = false;
    state.sumLogF = state.sumV2F = 0;
    state.productF = 1;
    state.n = 0;
    return true;
}

void filterStep(const ArmaSystem& sys, KalmanState& state, double y, std::vector<double>& scratch) {
    const int m = sys.m;
    std::vector<double>& a = state.a;
    const double F = state.F;
    const double v = y - a[0];
    state.productF *= F;  // F >= 1: one log per overflow-safe batch instead of one per step
    if (state.productF > 1e250) {
        state.sumLogF += std::log(state.productF);
        state.productF = 1;
    }
    state.sumV2F += v * v / F;
    ++state.n;

    // a <- T a + K v.
    const double a0 = a[0];
    for (int i = 0; i < m; ++i)
        a[i] = sys.phi[i] * a0 + (i + 1 < m ? a[i + 1] : 0.0) + state.K[i] * v;
    if (state.steady) return;

    // Chandrasekhar recursions (Morf, Sidhu and Kailath), with P_{t+1} - P_t = M W W':
    //   F' = F + M w0^2,  K' = (K F + M w0 T W) / F',  M' = M + M^2 w0^2 / F,  W' = T W - K' w0.
    scratch.resize(static_cast<size_t>(m));
    double* TW = scratch.data();
    const double w0 = state.W[0], M = state.M;
    for (int i = 0; i < m; ++i) TW[i] = sys.phi[i] * w0 + (i + 1 < m ? state.W[i + 1] : 0.0);
    const double Fn = F + M * w0 * w0;
    double largest = 0;
    for (int i = 0; i < m; ++i) {
        state.K[i] = (state.K[i] * F + M * w0 * TW[i]) / Fn;
        state.W[i] = TW[i] - state.K[i] * w0;
        largest = std::max(largest, std::abs(state.W[i]));
    }
    state.M = M + M * M * w0 * w0 / F;
    state.F = Fn;
    // The next change of P is M W W': once negligible, F and K are fixed from here on.
    state.steady = std::abs(state.M) * largest * largest < kSteadyTolerance;
}

double KalmanState::logDetF() const { return sumLogF + std::log(productF); }

double concentratedLogLikelihood(const KalmanState& state) {
    if (state.n == 0) return 0;
    const double n = static_cast<double>(state.n);
    const double sigma2 = state.sumV2F / n;
    return -0.5 * n * (std::log(2 * std::numbers::pi) + 1 + std::log(sigma2)) -
           0.5 * state.logDetF();
}

double logLikelihood(const KalmanState& state, double sigma2) {
    const double n = static_cast<double>(state.n);
    return -0.5 * n * (std::log(2 * std::numbers::pi) + std::log(sigma2)) - 0.5 * state.logDetF() -
           0.5 * state.sumV2F / sigma2;
}

void forecastArma(const ArmaSystem& sys, std::span<const double> a, std::span<double> out,
                  std::vector<double>& scratch) {
    const int m = sys.m;
    scratch.assign(a.begin(), a.end());
    for (double& o : out) {
        o = scratch[0];
        const double top = scratch[0];
        for (int i = 0; i < m; ++i)
            scratch[i] = sys.phi[i] * top + (i + 1 < m ? scratch[i + 1] : 0.0);
    }
}

}  // namespace moe::arima
