// See dist_only_predictor.h.
#include "core/predict/dist_only_predictor.h"

#include "core/common/error.h"

namespace moe {

DistOnlyPredictor::DistOnlyPredictor(LoadShares profile, std::string source)
    : profile_(std::move(profile)), frozen_(true), source_(std::move(source)) {}

DistOnlyPredictor::DistOnlyPredictor(int profileSteps)
    : profileSteps_(profileSteps), source_("profile_steps=" + std::to_string(profileSteps)) {
    if (profileSteps < 1)
        throw Error("dist_only: profile_steps must be >= 1, got " + std::to_string(profileSteps));
}

void DistOnlyPredictor::observe(int64_t, const LoadShares& shares) {
    if (frozen_) return;
    if (sum_.empty()) {
        sum_.assign(shares.p.size(), 0.0);
        profile_ = LoadShares(shares.layers, shares.experts);
    }
    for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += shares.p[i];
    ++seen_;
    for (size_t i = 0; i < sum_.size(); ++i) profile_.p[i] = static_cast<float>(sum_[i] / seen_);
    if (seen_ >= profileSteps_) frozen_ = true;
}

void DistOnlyPredictor::forecast(int horizon, Forecast& out) {
    if (profile_.p.empty()) throw Error("dist_only: no profile yet (no step observed)");
    out.setFlat(horizon, profile_);
}

LoadShares meanShares(const std::vector<LoadShares>& steps) {
    if (steps.empty()) throw Error("cannot build a distribution from an empty profile");
    LoadShares m(steps[0].layers, steps[0].experts);
    std::vector<double> sum(m.p.size(), 0.0);
    for (const auto& s : steps)
        for (size_t i = 0; i < sum.size(); ++i) sum[i] += s.p[i];
    for (size_t i = 0; i < sum.size(); ++i) m.p[i] = static_cast<float>(sum[i] / steps.size());
    return m;
}

}  // namespace moe
