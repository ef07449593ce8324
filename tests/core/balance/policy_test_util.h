// Shared helpers of the balance tests: a PolicyInput from a load table, and the checks every
// placement must pass (each expert on a valid rank, shares that sum to 1).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/balance/policy.h"

namespace moe::testing {

inline PolicyInput makeInput(int layers, int experts, int ranks, std::vector<double> load) {
    PolicyInput in;
    in.layers = layers;
    in.experts = experts;
    in.cluster.ranks = ranks;
    in.load = std::move(load);
    return in;
}

// Zipf-like loads (expert of popularity rank i gets ~ 1 / (i+1)^a tokens), shuffled per layer.
inline std::vector<double> zipfLoads(int layers, int experts, double tokens, double a,
                                     unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<double> out;
    for (int l = 0; l < layers; ++l) {
        std::vector<double> row(experts);
        double sum = 0;
        for (int e = 0; e < experts; ++e) sum += row[e] = 1.0 / std::pow(e + 1.0, a);
        std::shuffle(row.begin(), row.end(), rng);
        for (double v : row) out.push_back(std::round(v / sum * tokens));
    }
    return out;
}

inline void expectValid(const Placement& p) {
    EXPECT_NO_THROW(p.validate());
    for (int l = 0; l < p.layers(); ++l)
        for (int e = 0; e < p.experts(); ++e) {
            ASSERT_FALSE(p.replicas(l, e).empty()) << "layer " << l << " expert " << e;
            double sum = 0;
            for (double s : p.shares(l, e)) {
                EXPECT_GE(s, 0);
                sum += s;
            }
            EXPECT_NEAR(sum, 1.0, 1e-9) << "layer " << l << " expert " << e;
        }
}

inline double maxOf(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }

}  // namespace moe::testing
