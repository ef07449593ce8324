// Expert shares p[l][e] = n[l][e] / (k * T): the quantity every load predictor forecasts
// (methods.md, notation). Shares of one layer sum to 1 when no pair was dropped.
#pragma once

#include <span>
#include <vector>

#include "core/stats/load_matrix.h"
#include "core/workload/workload.h"

namespace moe {

struct LoadShares {
    int layers = 0;
    int experts = 0;
    std::vector<float> p;  // layers x experts

    LoadShares() = default;
    LoadShares(int l, int e) : layers(l), experts(e), p(static_cast<size_t>(l) * e, 0.0f) {}
    float at(int l, int e) const { return p[static_cast<size_t>(l) * experts + e]; }
    float& at(int l, int e) { return p[static_cast<size_t>(l) * experts + e]; }
    std::span<const float> layer(int l) const {
        return {p.data() + static_cast<size_t>(l) * experts, static_cast<size_t>(experts)};
    }
    std::span<float> layer(int l) {
        return {p.data() + static_cast<size_t>(l) * experts, static_cast<size_t>(experts)};
    }
};

// Shares of one step's loads; `tokens` x `topK` pairs per layer (uniform when tokens = 0).
LoadShares sharesOf(const LoadMatrix& loads, int tokens, int topK);

// The share series of up to `maxSteps` steps of a workload (0 = all), for training and
// benchmarking predictors outside a run.
std::vector<LoadShares> readShareSeries(Workload& workload, int64_t maxSteps = 0);

}  // namespace moe
