// See step_load_forecaster.h.
#include "core/whatif/step_load_forecaster.h"

#include <algorithm>
#include <chrono>

#include "core/common/error.h"
#include "core/predict/predictor_factory.h"

namespace moe {

StepLoadForecaster::StepLoadForecaster(const std::string& spec, const WorkloadShape& shape,
                                       bool ceiling)
    : shape_(shape), load_(static_cast<size_t>(shape.layers) * shape.experts) {
    PredictorSet set;
    addPredictor(spec, shape, set);
    if (set.token.empty()) throw Error(spec + " is a load predictor, not a token-level one");
    predictor_ = std::move(set.token[0]);
    if (predictor_->readsOwnLayerInput() && !ceiling)
        throw Error(spec +
                    " reads each layer's own router input, which exists only as the layer "
                    "routes: too late to place its experts (pregate reads the layer before; "
                    "--own-input-ceiling scores it as a bound)");
}

bool StepLoadForecaster::readsOwnLayerInput() const { return predictor_->readsOwnLayerInput(); }

const std::vector<double>& StepLoadForecaster::forecast(const Step& step) {
    std::lock_guard lock(mutex_);
    if (forecastStep_ == step.index) return load_;
    const auto start = std::chrono::steady_clock::now();
    const bool own = predictor_->readsOwnLayerInput();
    for (int l = 0; l < shape_.layers; ++l) {
        Step known = routingKnownBefore(step, l, shape_);
        // A ceiling predictor also sees layer l's router input, never layer l's routing.
        if (own && !step.hidden.empty())
            known.hidden = step.hidden.first(std::min(
                step.hidden.size(), static_cast<size_t>(l + 1) * step.tokens * shape_.hiddenDim));
        predictor_->predictLoad(known, l, shape_,
                                load_.data() + static_cast<size_t>(l) * shape_.experts);
    }
    forecastSeconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++forecasts_;
    forecastStep_ = step.index;
    return load_;
}

void StepLoadForecaster::observe(const Step& step) {
    std::lock_guard lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    predictor_->observe(step);
    observeSeconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++observed_;
}

int64_t StepLoadForecaster::observedSteps() const {
    std::lock_guard lock(mutex_);
    return observed_;
}

double StepLoadForecaster::busySeconds() const {
    std::lock_guard lock(mutex_);
    return observeSeconds_ + forecastSeconds_;
}

std::string StepLoadForecaster::describe() const {
    const std::string p = predictor_->parameters();
    return predictor_->name() + (p.empty() ? "" : ":" + p);
}

int64_t StepLoadForecaster::forecasts() const {
    std::lock_guard lock(mutex_);
    return forecasts_;
}

double StepLoadForecaster::forecastSeconds() const {
    std::lock_guard lock(mutex_);
    return forecastSeconds_;
}

bool isTokenPredictorSpec(const std::string& spec, const WorkloadShape& shape) {
    PredictorSet set;
    addPredictor(spec, shape, set);
    return !set.token.empty();
}

}  // namespace moe
