// Per-step expert load counts n[l][e] and the statistics every view and predictor shares:
// skewness (max/mean), coefficient of variation, order statistics, and balancedness of a
// rank assignment (mean/max over ranks, as SGLang and vLLM report it).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/workload/step.h"

namespace moe {

class LoadMatrix {
public:
    LoadMatrix() = default;
    LoadMatrix(int layers, int experts);

    int layers() const { return layers_; }
    int experts() const { return experts_; }

    int64_t& at(int layer, int expert) { return counts_[idx(layer, expert)]; }
    int64_t at(int layer, int expert) const { return counts_[idx(layer, expert)]; }
    std::span<const int64_t> layer(int l) const {
        return {counts_.data() + idx(l, 0), static_cast<size_t>(experts_)};
    }
    std::span<const int64_t> all() const { return counts_; }

    void clear();
    // Adds one step's routing (every token's top-k ids of every layer).
    void accumulate(const Step& step, int topK);
    void add(const LoadMatrix& other);

private:
    size_t idx(int l, int e) const { return static_cast<size_t>(l) * experts_ + e; }
    int layers_ = 0;
    int experts_ = 0;
    std::vector<int64_t> counts_;
};

// Statistics of one layer's per-expert counts.
struct LayerLoadStats {
    int64_t assignments = 0;  // sum over experts (= tokens * k without drops)
    double mean = 0;
    double skewness = 0;  // max / mean; 0 when the layer saw no tokens
    double cv = 0;        // population std / mean
    int64_t min = 0;
    double median = 0;
    double p95 = 0;  // linear interpolation between order statistics
    int64_t max = 0;
};

LayerLoadStats layerLoadStats(std::span<const int64_t> counts);

// mean / max of per-rank loads; 1 is perfect balance, 1/G the worst. 1 when all are zero.
double balancedness(std::span<const double> rankLoads);

}  // namespace moe
