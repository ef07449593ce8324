// Transient/stable phase detection (methods.md section 1, after Cong et al.): per layer, the
// windowed variance (1/W) sum (x_i - mean)^2 and range max - min of every expert's share x over
// the last W steps. A layer turns stable once the largest variance and the largest range over
// its experts both stay under their thresholds for `hold` consecutive steps, and transient
// again as soon as either is exceeded. The thresholds depend on tokens per step (shares of
// small steps are noisy), so they are parameters, never built in.
//
// `smooth` > 1 runs the window statistics over the mean share of the last `smooth` steps
// instead of each step's own share: a coarser "iteration". The paper's iteration is a batch of
// 256 sequences of ~2,048 tokens (~500k tokens); a step of the live training workload holds
// ~1k tokens (and the tokens of one sequence route alike), so its per-step shares carry far
// more sampling noise than the paper's, and that noise alone keeps the raw variance and range
// above any threshold that would also catch real drift. Averaging S steps divides i.i.d.
// noise variance by S while a real level shift still passes through (spread over S steps).
// The window then needs S + W - 1 steps before it is first full.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "core/predict/load_shares.h"

namespace moe {

struct PhaseOptions {
    int window = 100;
    double varianceThreshold = 1e-4;
    double rangeThreshold = 0.05;
    int hold = 100;
    int smooth = 1;  // steps averaged into each point the window sees (1 = raw shares)
    void validate() const;
};

struct PhaseSegment {
    int64_t begin = 0;  // first step of the segment
    int64_t end = 0;    // one past the last step
    bool stable = false;
};

class PhaseDetector {
public:
    explicit PhaseDetector(const PhaseOptions& options);
    void push(int64_t step, const LoadShares& shares);

    // Segments per layer so far (the last one open-ended at the last pushed step + 1).
    std::vector<std::vector<PhaseSegment>> segments() const;
    bool stable(int layer) const { return state_[layer].stable; }
    // Largest windowed variance and range over the layer's experts at the last step.
    double variance(int layer) const { return state_[layer].variance; }
    double range(int layer) const { return state_[layer].range; }

private:
    struct LayerState {
        bool stable = false;
        int64_t calmSince = -1;  // first step of the current run under both thresholds
        double variance = 0, range = 0;
        std::vector<PhaseSegment> closed;
        int64_t segmentBegin = 0;
    };
    void updateLayer(int l, int64_t step);
    PhaseOptions options_;
    int layers_ = 0, experts_ = 0;
    void pushSmoothed(const LoadShares& shares);
    std::deque<LoadShares> window_;  // the points the statistics see (raw or smoothed shares)
    std::deque<LoadShares> raw_;     // last `smooth` raw shares (smooth > 1 only)
    std::vector<double> runSum_;     // their sum, per layer x expert
    int sinceResum_ = 0;             // smoothed points since runSum_ was last summed afresh
    std::vector<double> sum_, sumSq_, lo_, hi_;  // per expert, scratch of updateLayer
    std::vector<LayerState> state_;
    int64_t lastStep_ = -1;
};

}  // namespace moe
