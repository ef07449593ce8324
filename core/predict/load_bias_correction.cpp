// See load_bias_correction.h.
#include "core/predict/load_bias_correction.h"

#include <algorithm>
#include <string>

#include "core/common/error.h"

namespace moe {

LoadBiasCorrection::LoadBiasCorrection(const WorkloadShape& shape, double weight)
    : weight_(weight),
      experts_(shape.experts),
      topK_(shape.topK),
      truth_(shape.layers, shape.experts) {
    if (!(weight >= 0 && weight <= 1))
        throw Error("correct must be in [0, 1], got " + std::to_string(weight));
    forecast_.assign(static_cast<size_t>(shape.layers), {});
    error_.assign(static_cast<size_t>(shape.layers), {});
    forecastStep_.assign(static_cast<size_t>(shape.layers), -1);
}

void LoadBiasCorrection::correct(const Step& step, int layer, double* load) {
    if (!enabled() || step.tokens == 0) return;
    const auto l = static_cast<size_t>(layer);
    forecast_[l].assign(load, load + experts_);
    for (double& v : forecast_[l]) v /= step.tokens;
    forecastStep_[l] = step.index;
    if (error_[l].empty()) return;
    for (int e = 0; e < experts_; ++e)
        load[e] = std::max(0.0, load[e] + error_[l][e] * step.tokens);
}

void LoadBiasCorrection::observe(const Step& step) {
    if (!enabled() || step.tokens == 0) return;
    truth_.clear();
    truth_.accumulate(step, topK_);
    for (size_t l = 0; l < forecast_.size(); ++l) {
        if (forecastStep_[l] != step.index) continue;
        const auto truth = truth_.layer(static_cast<int>(l));
        if (error_[l].empty()) error_[l].assign(truth.size(), 0.0);
        for (size_t e = 0; e < truth.size(); ++e) {
            const double perToken = static_cast<double>(truth[e]) / step.tokens;
            error_[l][e] = (1 - weight_) * error_[l][e] + weight_ * (perToken - forecast_[l][e]);
        }
    }
}

}  // namespace moe
