// MoE-GPS's Distribution-Only prediction: one per-layer expert distribution estimated from a
// profiling set (maximum likelihood p = n / N), forecast for every future step at zero run-time
// cost. The profile is a prefix of the run itself, another workload, or the GPT-OSS
// per-category table (category_table.h).
#pragma once

#include <vector>

#include "core/predict/predictor.h"

namespace moe {

class DistOnlyPredictor final : public Predictor {
public:
    // Fixed profile from elsewhere; `source` says where (for parameters()).
    DistOnlyPredictor(LoadShares profile, std::string source);
    // Profile from the first `profileSteps` observed steps of the run; frozen after them.
    explicit DistOnlyPredictor(int profileSteps);

    std::string name() const override { return "dist_only"; }
    std::string parameters() const override { return source_; }
    void observe(int64_t step, const LoadShares& shares) override;
    void forecast(int horizon, Forecast& out) override;
    bool frozen() const { return frozen_; }

private:
    LoadShares profile_;
    std::vector<double> sum_;
    int profileSteps_ = 0, seen_ = 0;
    bool frozen_ = false;
    std::string source_;
};

// Per-layer MLE distribution of a whole set of shares (the mean of per-step shares weighted by
// nothing: each step counts once, as a profiling run would sum its counts).
LoadShares meanShares(const std::vector<LoadShares>& steps);

}  // namespace moe
