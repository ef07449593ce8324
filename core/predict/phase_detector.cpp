// See phase_detector.h. Window statistics are recomputed from the window each step:
// O(W * L * E) with W = 100 and 768 series is ~77k operations, well under a millisecond,
// and exact where running sums of squares would lose precision on tiny variances. With
// smooth > 1 the smoothed point is a running sum over the last `smooth` raw steps (add the new,
// subtract the oldest: O(L * E) a step), summed afresh every `smooth` points so rounding cannot
// drift over long runs (still O(L * E) a step amortised); the window statistics then run
// unchanged over the smoothed points.
#include "core/predict/phase_detector.h"

#include <algorithm>

#include "core/common/error.h"

namespace moe {

void PhaseOptions::validate() const {
    if (window < 2) throw Error("phase window must be >= 2, got " + std::to_string(window));
    if (hold < 1) throw Error("phase hold must be >= 1, got " + std::to_string(hold));
    if (varianceThreshold <= 0 || rangeThreshold <= 0)
        throw Error("phase thresholds must be positive");
    if (smooth < 1) throw Error("phase smooth must be >= 1, got " + std::to_string(smooth));
}

PhaseDetector::PhaseDetector(const PhaseOptions& options) : options_(options) {
    options_.validate();
}

void PhaseDetector::push(int64_t step, const LoadShares& shares) {
    if (state_.empty()) {
        layers_ = shares.layers;
        experts_ = shares.experts;
        state_.resize(layers_);
        for (auto& s : state_) s.segmentBegin = step;
    }
    if (options_.smooth == 1)
        window_.push_back(shares);
    else
        pushSmoothed(shares);
    if (static_cast<int>(window_.size()) > options_.window) window_.pop_front();
    lastStep_ = step;
    for (int l = 0; l < layers_; ++l) updateLayer(l, step);
}

void PhaseDetector::pushSmoothed(const LoadShares& shares) {
    const size_t n = shares.p.size();
    if (runSum_.size() != n) runSum_.assign(n, 0.0);
    raw_.push_back(shares);
    for (size_t i = 0; i < n; ++i) runSum_[i] += shares.p[i];
    if (static_cast<int>(raw_.size()) > options_.smooth) {
        const std::vector<float>& old = raw_.front().p;
        for (size_t i = 0; i < n; ++i) runSum_[i] -= old[i];
        raw_.pop_front();
    }
    if (static_cast<int>(raw_.size()) < options_.smooth) return;  // no full mean yet
    if (++sinceResum_ >= options_.smooth) {
        sinceResum_ = 0;
        std::fill(runSum_.begin(), runSum_.end(), 0.0);
        for (const auto& r : raw_)
            for (size_t i = 0; i < n; ++i) runSum_[i] += r.p[i];
    }
    // Reuse the row about to leave the window rather than allocate one every step.
    LoadShares mean;
    if (static_cast<int>(window_.size()) == options_.window) {
        mean = std::move(window_.front());
        window_.pop_front();
    }
    mean.layers = shares.layers;
    mean.experts = shares.experts;
    mean.p.resize(n);
    const double inv = 1.0 / options_.smooth;
    for (size_t i = 0; i < n; ++i) mean.p[i] = static_cast<float>(runSum_[i] * inv);
    window_.push_back(std::move(mean));
}

void PhaseDetector::updateLayer(int l, int64_t step) {
    LayerState& s = state_[l];
    const bool full = static_cast<int>(window_.size()) == options_.window;
    double maxVar = 0, maxRange = 0;
    if (full) {
        // One pass over the window, experts innermost: each step's row of this layer is
        // contiguous, so this streams memory and vectorises (the GUI runs it every step).
        const double n = static_cast<double>(window_.size());
        sum_.assign(static_cast<size_t>(experts_), 0.0);
        sumSq_.assign(static_cast<size_t>(experts_), 0.0);
        lo_.assign(static_cast<size_t>(experts_), 1e9);
        hi_.assign(static_cast<size_t>(experts_), -1e9);
        for (const auto& w : window_) {
            const float* row = w.layer(l).data();
            for (int e = 0; e < experts_; ++e) {
                const double x = row[e];
                sum_[e] += x;
                sumSq_[e] += x * x;
                lo_[e] = std::min(lo_[e], x);
                hi_[e] = std::max(hi_[e], x);
            }
        }
        for (int e = 0; e < experts_; ++e) {
            const double mean = sum_[e] / n;
            maxVar = std::max(maxVar, std::max(0.0, sumSq_[e] / n - mean * mean));
            maxRange = std::max(maxRange, hi_[e] - lo_[e]);
        }
    }
    s.variance = maxVar;
    s.range = maxRange;
    const bool calm =
        full && maxVar < options_.varianceThreshold && maxRange < options_.rangeThreshold;
    if (!calm) {
        s.calmSince = -1;
        if (s.stable) {  // stable -> transient at this step
            s.closed.push_back({s.segmentBegin, step, true});
            s.segmentBegin = step;
            s.stable = false;
        }
        return;
    }
    if (s.calmSince < 0) s.calmSince = step;
    if (!s.stable && step - s.calmSince + 1 >= options_.hold) {
        // The stable phase began when the calm run began, not when the hold was confirmed.
        if (s.calmSince > s.segmentBegin) s.closed.push_back({s.segmentBegin, s.calmSince, false});
        s.segmentBegin = s.calmSince;
        s.stable = true;
    }
}

std::vector<std::vector<PhaseSegment>> PhaseDetector::segments() const {
    std::vector<std::vector<PhaseSegment>> out(state_.size());
    for (size_t l = 0; l < state_.size(); ++l) {
        out[l] = state_[l].closed;
        out[l].push_back({state_[l].segmentBegin, lastStep_ + 1, state_[l].stable});
    }
    return out;
}

}  // namespace moe
