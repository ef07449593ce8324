// See arima_batch_filter.h. A chunk's lanes are the elements of one GCC/Clang vector; the state
// size is a template parameter so every row lives in a register for the whole run. A lane whose
// covariance has converged keeps its F and K through a select, as filterStep's early return does;
// once all of a chunk's lanes are steady the Chandrasekhar step is skipped for the chunk.
#include "core/predict/arima_batch_filter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include "core/common/error.h"

namespace moe::arima {

namespace {

constexpr int kWidth = 8;  // lanes per chunk: one AVX-512 register, two AVX2 ones
// filterStep folds the running product of F into the log sum above this (F >= 1).
constexpr double kFoldAbove = 1e250;

using Vec = double __attribute__((vector_size(kWidth * sizeof(double))));
using Bits = std::int64_t __attribute__((vector_size(kWidth * sizeof(std::int64_t))));

Vec loadVec(const double* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void storeVec(double* p, Vec v) { std::memcpy(p, &v, sizeof v); }

Vec broadcast(double x) { return Vec{} + x; }

// Per element: mask set (all ones) -> yes, clear -> no. Bitwise, so NaN and inf pass unchanged.
Vec select(Bits mask, Vec yes, Vec no) {
    return reinterpret_cast<Vec>((reinterpret_cast<Bits>(yes) & mask) |
                                 (reinterpret_cast<Bits>(no) & ~mask));
}

Vec magnitude(Vec x) {
    return reinterpret_cast<Vec>(reinterpret_cast<Bits>(x) &
                                 std::numeric_limits<std::int64_t>::max());
}

bool any(Bits mask) {
    std::int64_t acc = 0;
    for (int j = 0; j < kWidth; ++j) acc |= mask[j];
    return acc != 0;
}

double largestOf(Vec x) {
    double largest = x[0];
    for (int j = 1; j < kWidth; ++j) largest = std::max(largest, x[j]);
    return largest;
}

void fold(Vec& productF, Vec& sumLogF) {
    for (int j = 0; j < kWidth; ++j)
        if (productF[j] > kFoldAbove) {
            sumLogF[j] += std::log(productF[j]);
            productF[j] = 1;
        }
}

// One chunk's arrays in the filter (see the header's layout); the sums are written back.
struct Chunk {
    const double* phi;
    const double* K;
    const double* W;
    const double* F;
    const double* M;
    const double* steady;
    double* sumV2F;
    double* sumLogF;
    double* productF;
};

// The Chandrasekhar step of filterStep for every lane that is not yet steady.
template <int Rows>
void chandrasekhar(const Vec (&phi)[Rows], Vec (&K)[Rows], Vec (&W)[Rows], Vec& F, Vec& invF,
                   Vec& M, Bits& steady) {
    const Vec w0 = W[0];
    const Vec Fn = F + M * w0 * w0;
    const Vec invFn = 1.0 / Fn;
    const Vec Mw0 = M * w0;
    Vec TW[Rows];
    for (int i = 0; i + 1 < Rows; ++i) TW[i] = phi[i] * w0 + W[i + 1];
    TW[Rows - 1] = phi[Rows - 1] * w0;
    Vec largest = Vec{};
    for (int i = 0; i < Rows; ++i) {
        const Vec k = (K[i] * F + Mw0 * TW[i]) * invFn;
        const Vec w = TW[i] - k * w0;
        K[i] = select(steady, K[i], k);
        W[i] = select(steady, W[i], w);
        const Vec size = magnitude(w);
        largest = select(reinterpret_cast<Bits>(size > largest), size, largest);
    }
    const Vec Mn = M + Mw0 * Mw0 * invF;
    const Bits nowSteady =
        reinterpret_cast<Bits>(magnitude(Mn) * largest * largest < kSteadyTolerance);
    M = select(steady, M, Mn);
    F = select(steady, F, Fn);
    invF = select(steady, invF, invFn);
    steady |= nowSteady;
}

template <int Rows>
void filterChunk(const Chunk& c, std::span<const double> w) {
    Vec phi[Rows], K[Rows], W[Rows], a[Rows];
    for (int i = 0; i < Rows; ++i) {
        phi[i] = loadVec(c.phi + i * kWidth);
        K[i] = loadVec(c.K + i * kWidth);
        W[i] = loadVec(c.W + i * kWidth);
        a[i] = Vec{};
    }
    Vec F = loadVec(c.F), M = loadVec(c.M);
    Vec invF = 1.0 / F;
    Bits steady = reinterpret_cast<Bits>(loadVec(c.steady) != 0.0);
    Vec productF = broadcast(1.0), sumV2F = Vec{}, sumLogF = Vec{};
    // Reductions across a vector are slow, so two checks run only every so often. The fold:
    // from a stationary start M <= 0, so F never exceeds its first value (F' = F + M w0^2);
    // between two checks the product grows at most by that value to the power of the interval,
    // kept below 1e50 so that it stays far from overflow above the 1e250 threshold.
    const int foldEvery = std::max(1, static_cast<int>(50.0 / std::log10(2 * largestOf(F))));
    // The Chandrasekhar step leaves steady lanes as they are, so checking whether any lane still
    // moves every 8 steps only costs the few extra steps of a chunk that has just converged.
    constexpr int kSteadyCheckEvery = 8;
    bool moving = any(~steady);
    int step = 0;
    for (const double y : w) {
        ++step;
        const Vec a0 = a[0];
        const Vec v = y - a0;
        productF *= F;
        if (step % foldEvery == 0 && any(reinterpret_cast<Bits>(productF > kFoldAbove)))
            [[unlikely]]
            fold(productF, sumLogF);
        sumV2F += v * v * invF;
        // a <- T a + K v; row i reads row i + 1 before it is updated, as filterStep.
        for (int i = 0; i + 1 < Rows; ++i) a[i] = phi[i] * a0 + a[i + 1] + K[i] * v;
        a[Rows - 1] = phi[Rows - 1] * a0 + K[Rows - 1] * v;
        if (!moving) continue;
        chandrasekhar<Rows>(phi, K, W, F, invF, M, steady);
        if (step % kSteadyCheckEvery == 0) moving = any(~steady);
    }
    fold(productF, sumLogF);  // whatever the interval left above the threshold
    storeVec(c.sumV2F, sumV2F);
    storeVec(c.sumLogF, sumLogF);
    storeVec(c.productF, productF);
}

using Kernel = void (*)(const Chunk&, std::span<const double>);

template <int... R>
constexpr std::array<Kernel, sizeof...(R)> kernelsFor(std::integer_sequence<int, R...>) {
    return {&filterChunk<R + 1>...};
}

// kKernels[m - 1] filters systems of state size m.
constexpr auto kKernels = kernelsFor(std::make_integer_sequence<int, BatchFilter::kMaxState>{});

}  // namespace

void BatchFilter::load(std::span<const ArmaSystem> systems) {
    m_ = systems.front().m;
    if (m_ < 1 || m_ > kMaxState)
        throw Error("ARIMA batch filter: state size " + std::to_string(m_) + " outside 1.." +
                    std::to_string(kMaxState));
    lanes_ = static_cast<int>(systems.size());
    chunks_ = (lanes_ + kWidth - 1) / kWidth;
    const size_t padded = static_cast<size_t>(chunks_) * kWidth;
    const size_t rows = padded * m_;
    for (auto* v : {&phi_, &K_, &W_}) v->assign(rows, 0.0);
    for (auto* v : {&sumV2F_, &sumLogF_, &productF_, &M_}) v->assign(padded, 0.0);
    F_.assign(padded, 1.0);       // an infeasible or padding lane stays inert: K = 0, F = 1
    steady_.assign(padded, 1.0);  // ... and steady
    feasible_.assign(lanes_, 0);
    for (int j = 0; j < lanes_; ++j) {
        const ArmaSystem& sys = systems[j];
        if (sys.m != m_) throw Error("ARIMA batch filter: systems of different state sizes");
        if (!initialiseFilter(sys, init_)) continue;
        feasible_[j] = 1;
        const size_t base = static_cast<size_t>(j / kWidth) * m_ * kWidth + j % kWidth;
        for (int i = 0; i < m_; ++i) {
            phi_[base + static_cast<size_t>(i) * kWidth] = sys.phi[i];
            K_[base + static_cast<size_t>(i) * kWidth] = init_.K[i];
            W_[base + static_cast<size_t>(i) * kWidth] = init_.W[i];
        }
        F_[j] = init_.F;
        M_[j] = init_.M;
        steady_[j] = 0;
    }
}

void BatchFilter::logLikelihoods(std::span<const ArmaSystem> systems, std::span<const double> w,
                                 std::span<double> out) {
    if (systems.empty()) return;
    load(systems);
    const Kernel kernel = kKernels[m_ - 1];
    for (int c = 0; c < chunks_; ++c) {
        bool live = false;
        for (int j = c * kWidth; j < std::min(lanes_, (c + 1) * kWidth); ++j) live |= feasible_[j];
        if (!live) continue;
        const size_t rows = static_cast<size_t>(c) * m_ * kWidth,
                     lane = static_cast<size_t>(c) * kWidth;
        kernel({&phi_[rows], &K_[rows], &W_[rows], &F_[lane], &M_[lane], &steady_[lane],
                &sumV2F_[lane], &sumLogF_[lane], &productF_[lane]},
               w);
    }
    const double n = static_cast<double>(w.size());
    for (int j = 0; j < lanes_; ++j) {
        KalmanState s;
        s.n = static_cast<int64_t>(w.size());
        s.sumV2F = sumV2F_[j];
        s.sumLogF = sumLogF_[j];
        s.productF = productF_[j];
        const bool ok = feasible_[j] && sumV2F_[j] > 0 && n > 0;
        out[j] = ok ? concentratedLogLikelihood(s) : -std::numeric_limits<double>::infinity();
    }
}

}  // namespace moe::arima
