// A predictor's answer: every expert's share for each of the next H steps. Predictors whose
// forecast is the same for every step ahead (SW_Avg, EMA, last value, Distribution-Only) store
// one L x E block and mark it flat, so a 2,000-step horizon costs no more than a 1-step one.
#pragma once

#include <vector>

#include "core/predict/load_shares.h"

namespace moe {

class Forecast {
public:
    // Flat: one block for all steps ahead.
    void setFlat(int horizon, const LoadShares& shares);
    // Per step: `horizon` blocks of layers x experts, filled by the predictor via step(h).
    void resizeSteps(int horizon, int layers, int experts);

    int horizon() const { return horizon_; }
    int layers() const { return layers_; }
    int experts() const { return experts_; }
    bool flat() const { return flat_; }
    // Share of expert e of layer l, h steps ahead (h = 1..horizon).
    float at(int h, int l, int e) const {
        const size_t block = flat_ ? 0 : static_cast<size_t>(h - 1);
        return data_[(block * layers_ + l) * experts_ + e];
    }
    // The writable layers x experts block of step h (1..horizon); per-step forecasts only.
    float* step(int h) { return data_.data() + static_cast<size_t>(h - 1) * layers_ * experts_; }
    const float* block(int h) const {
        return data_.data() + (flat_ ? 0 : static_cast<size_t>(h - 1)) * layers_ * experts_;
    }

private:
    int horizon_ = 0, layers_ = 0, experts_ = 0;
    bool flat_ = true;
    std::vector<float> data_;
};

}  // namespace moe
