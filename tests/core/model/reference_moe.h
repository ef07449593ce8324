// A plain double-precision MoE layer written without Eigen or any shared code path, so the
// float32 backend is checked against an independent oracle.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/model/expert_weights.h"
#include "core/model/layer_config.h"

namespace moe::testing {

struct ReferenceResult {
    std::vector<double> y;
    std::vector<int> ids;
    std::vector<double> weights;
    long long dropped = 0;
};

inline ReferenceResult referenceMoe(const MoeLayerConfig& c, const LayerWeights& w,
                                    const std::vector<float>& x, int T,
                                    const int* forced = nullptr) {
    const int H = c.hidden, F = c.ffn, E = c.experts, k = c.topK;
    ReferenceResult r;
    r.y.assign(static_cast<size_t>(T) * H, 0.0);
    r.ids.resize(static_cast<size_t>(T) * k);
    r.weights.resize(static_cast<size_t>(T) * k);
    std::vector<long long> used(E, 0);
    const long long cap = c.capacity(T);
    for (int t = 0; t < T; ++t) {
        std::vector<double> s(E);
        for (int e = 0; e < E; ++e) {
            double z = 0;
            for (int h = 0; h < H; ++h) z += double(x[t * H + h]) * w.gate[h * E + e];
            s[e] = z;
        }
        if (c.score == ScoreFunction::Softmax) {
            const double mx = *std::max_element(s.begin(), s.end());
            double sum = 0;
            for (double& v : s) sum += (v = std::exp(v - mx));
            for (double& v : s) v /= sum;
        } else {
            for (double& v : s) v = 1.0 / (1.0 + std::exp(-v));
        }
        std::vector<int> chosen;
        if (forced) {
            chosen.assign(forced + t * k, forced + (t + 1) * k);
        } else {
            std::vector<int> order(E);
            for (int e = 0; e < E; ++e) order[e] = e;
            std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s[a] > s[b]; });
            chosen.assign(order.begin(), order.begin() + k);
        }
        double wsum = 0;
        for (int j = 0; j < k; ++j) wsum += s[chosen[j]];
        for (int j = 0; j < k; ++j) {
            const int e = chosen[j];
            const double g = c.renormalize ? s[e] / wsum : s[e];
            r.ids[t * k + j] = e;
            r.weights[t * k + j] = g;
            if (used[e]++ >= cap) {
                ++r.dropped;
                continue;
            }
            const ExpertWeights& ew = w.experts[e];
            std::vector<double> a(F);
            for (int f = 0; f < F; ++f) {
                double g1 = 0, u = 0;
                for (int h = 0; h < H; ++h) {
                    g1 += double(x[t * H + h]) * ew.w1[h * F + f];
                    u += double(x[t * H + h]) * ew.w3[h * F + f];
                }
                a[f] = g1 / (1.0 + std::exp(-g1)) * u;
            }
            for (int h = 0; h < H; ++h) {
                double o = 0;
                for (int f = 0; f < F; ++f) o += a[f] * ew.w2[f * H + h];
                r.y[t * H + h] += g * o;
            }
        }
    }
    return r;
}

// max_i |a_i - b_i| / max_i |b_i|: normalised error, robust to entries near zero.
inline double relativeError(const std::vector<float>& a, const std::vector<double>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < b.size(); ++i) {
        num = std::max(num, std::abs(double(a[i]) - b[i]));
        den = std::max(den, std::abs(b[i]));
    }
    return den > 0 ? num / den : num;
}

}  // namespace moe::testing
