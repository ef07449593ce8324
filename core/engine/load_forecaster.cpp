// See load_forecaster.h.
#include "core/engine/load_forecaster.h"

#include <chrono>

#include "core/common/error.h"
#include "core/predict/load_shares.h"
#include "core/predict/predictor_factory.h"

namespace moe {

LoadForecaster::LoadForecaster(const std::string& spec, const WorkloadShape& shape)
    : shape_(shape) {
    PredictorSet set;
    addPredictor(spec, shape, set);
    if (set.load.size() != 1)
        throw Error("--predictor for rebalancing must be a load predictor (not token-to-expert): " +
                    spec);
    predictor_ = std::move(set.load[0]);
    if (predictor_->wantsFuture())
        throw Error("the oracle cannot drive a live run: it needs the future");
}

void LoadForecaster::observe(const StepTelemetry& t) {
    std::lock_guard lock(mutex_);
    if (t.step <= lastStep_) return;
    const auto t0 = std::chrono::steady_clock::now();
    predictor_->observe(t.step, sharesOf(t.loads, t.tokens, shape_.topK));
    observeSeconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    lastStep_ = t.step;
    ++observed_;
    meanTokens_ += (t.tokens - meanTokens_) / static_cast<double>(observed_);
    cache_.clear();
}

std::vector<double> LoadForecaster::forecastLoad(int horizon) {
    std::lock_guard lock(mutex_);
    if (const auto it = cache_.find(horizon); it != cache_.end()) return it->second;
    const auto t0 = std::chrono::steady_clock::now();
    Forecast f;
    predictor_->forecast(horizon, f);
    forecastSeconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++forecasts_;
    // Mean forecast shares over the horizon, in expected pairs per step (policies that move
    // whole tokens need token units).
    const double pairs = meanTokens_ * shape_.topK;
    std::vector<double> load(static_cast<size_t>(shape_.layers) * shape_.experts, 0.0);
    for (int h = 1; h <= f.horizon(); ++h)
        for (int l = 0; l < shape_.layers; ++l)
            for (int e = 0; e < shape_.experts; ++e)
                load[static_cast<size_t>(l) * shape_.experts + e] +=
                    f.at(h, l, e) * pairs / f.horizon();
    return cache_[horizon] = std::move(load);
}

double LoadForecaster::pairsPerStep() const {
    std::lock_guard lock(mutex_);
    return meanTokens_ * shape_.topK;
}

std::string LoadForecaster::describe() const {
    return predictor_->name() +
           (predictor_->parameters().empty() ? "" : ":" + predictor_->parameters());
}

int64_t LoadForecaster::forecasts() const {
    std::lock_guard lock(mutex_);
    return forecasts_;
}

double LoadForecaster::forecastSeconds() const {
    std::lock_guard lock(mutex_);
    return forecastSeconds_;
}

int64_t LoadForecaster::observedSteps() const {
    std::lock_guard lock(mutex_);
    return observed_;
}

double LoadForecaster::busySeconds() const {
    std::lock_guard lock(mutex_);
    return observeSeconds_ + forecastSeconds_;
}

}  // namespace moe
