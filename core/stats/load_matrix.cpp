// Counting and summary statistics of expert loads.
#include "core/stats/load_matrix.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/common/error.h"

namespace moe {

LoadMatrix::LoadMatrix(int layers, int experts)
    : layers_(layers), experts_(experts), counts_(static_cast<size_t>(layers) * experts, 0) {}

void LoadMatrix::clear() { std::fill(counts_.begin(), counts_.end(), 0); }

void LoadMatrix::accumulate(const Step& step, int topK) {
    const size_t perLayer = static_cast<size_t>(step.tokens) * topK;
    if (step.experts.size() < perLayer * layers_)
        throw Error("step " + std::to_string(step.index) + " carries fewer expert ids than " +
                    std::to_string(layers_) + " layers x " + std::to_string(step.tokens) +
                    " tokens x top-" + std::to_string(topK));
    for (int l = 0; l < layers_; ++l) {
        int64_t* row = counts_.data() + idx(l, 0);
        const int32_t* ids = step.experts.data() + l * perLayer;
        for (size_t i = 0; i < perLayer; ++i) {
            // Workloads validate ids as they read them; this guard keeps a bad source from
            // writing out of bounds (and from hanging ranks waiting on a failed peer).
            if (static_cast<uint32_t>(ids[i]) >= static_cast<uint32_t>(experts_))
                throw Error("step " + std::to_string(step.index) + ", layer " + std::to_string(l) +
                            ": expert id " + std::to_string(ids[i]) + " out of range 0.." +
                            std::to_string(experts_ - 1));
            ++row[ids[i]];
        }
    }
}

void LoadMatrix::add(const LoadMatrix& other) {
    if (other.layers_ != layers_ || other.experts_ != experts_)
        throw Error("cannot add load matrices of different shapes");
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

namespace {
double quantile(const std::vector<int64_t>& sorted, double q) {
    if (sorted.empty()) return 0;
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const size_t lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return static_cast<double>(sorted[lo]) * (1 - frac) + static_cast<double>(sorted[hi]) * frac;
}
}  // namespace

LayerLoadStats layerLoadStats(std::span<const int64_t> counts) {
    LayerLoadStats s;
    if (counts.empty()) return s;
    std::vector<int64_t> sorted(counts.begin(), counts.end());
    std::sort(sorted.begin(), sorted.end());
    s.assignments = std::accumulate(sorted.begin(), sorted.end(), int64_t{0});
    s.mean = static_cast<double>(s.assignments) / static_cast<double>(sorted.size());
    s.min = sorted.front();
    s.max = sorted.back();
    s.median = quantile(sorted, 0.5);
    s.p95 = quantile(sorted, 0.95);
    if (s.mean > 0) {
        s.skewness = static_cast<double>(s.max) / s.mean;
        double var = 0;
        for (int64_t c : sorted)
            var += (static_cast<double>(c) - s.mean) * (static_cast<double>(c) - s.mean);
        var /= static_cast<double>(sorted.size());
        s.cv = std::sqrt(var) / s.mean;
    }
    return s;
}

double balancedness(std::span<const double> rankLoads) {
    if (rankLoads.empty()) return 1;
    double sum = 0, mx = 0;
    for (double v : rankLoads) {
        sum += v;
        mx = std::max(mx, v);
    }
    if (mx <= 0) return 1;
    return sum / static_cast<double>(rankLoads.size()) / mx;
}

}  // namespace moe
