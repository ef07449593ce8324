// Central finite differences for the gradient checks: perturb one value, measure the scalar
// loss, compare with the analytic gradient. The error of a whole tensor is
// ||analytic - numeric|| / max(||analytic||, ||numeric||), the usual norm-wise relative error.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <vector>

namespace moe::train::test {

constexpr double kFdStep = 1e-5;
constexpr double kMaxRelativeError = 1e-3;

// Numeric gradient of loss() with respect to every value in `v` (restored afterwards).
inline std::vector<double> numericGradient(std::vector<double>& v,
                                           const std::function<double()>& loss) {
    std::vector<double> g(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        const double keep = v[i];
        v[i] = keep + kFdStep;
        const double up = loss();
        v[i] = keep - kFdStep;
        const double down = loss();
        v[i] = keep;
        g[i] = (up - down) / (2 * kFdStep);
    }
    return g;
}

inline double relativeError(const std::vector<double>& a, const std::vector<double>& n) {
    double diff = 0, na = 0, nn = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff += (a[i] - n[i]) * (a[i] - n[i]);
        na += a[i] * a[i];
        nn += n[i] * n[i];
    }
    const double scale = std::max(std::sqrt(na), std::sqrt(nn));
    return scale == 0 ? 0 : std::sqrt(diff) / scale;
}

// Prints one check's error (the figures the issue asks to see) and passes it on.
inline double logged(const char* what, double err) {
    std::printf("gradient check %-28s relative error %.2e\n", what, err);
    return err;
}

// Deterministic values in [-1, 1] (no <random> distribution: identical on every platform).
inline std::vector<double> values(size_t n, unsigned seed, double scale = 1.0) {
    std::vector<double> v(n);
    unsigned s = seed * 2654435761u + 1;
    for (auto& x : v) {
        s = s * 1664525u + 1013904223u;
        x = scale * ((s >> 8) / double(1 << 24) * 2 - 1);
    }
    return v;
}

// sum_i r_i * y_i: a scalar loss whose gradient with respect to y is r.
inline double dotLoss(const std::vector<double>& y, const std::vector<double>& r) {
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += y[i] * r[i];
    return s;
}

}  // namespace moe::train::test
