// See prediction_evaluator.h.
#include "core/predict/prediction_evaluator.h"

#include <algorithm>
#include <chrono>

#include "core/common/error.h"

namespace moe {
namespace {
double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

double PredictorScore::microsecondsPerForecastPerLayer() const {
    const size_t layers = perLayer.empty() ? 1 : perLayer.size();
    return forecasts ? 1e6 * forecastSeconds / static_cast<double>(forecasts) /
                           static_cast<double>(layers)
                     : 0;
}

double PredictorScore::microsecondsPerObservePerLayer() const {
    const size_t layers = perLayer.empty() ? 1 : perLayer.size();
    return observations ? 1e6 * observeSeconds / static_cast<double>(observations) /
                              static_cast<double>(layers)
                        : 0;
}

PredictionEvaluator::PredictionEvaluator(std::vector<std::unique_ptr<Predictor>> predictors,
                                         const EvaluatorOptions& options)
    : predictors_(std::move(predictors)), options_(options) {
    if (options.horizon < 1)
        throw Error("horizon must be >= 1, got " + std::to_string(options.horizon));
    if (options.forecastEvery < 1) throw Error("forecast-every must be >= 1");
    if (predictors_.empty()) throw Error("no predictor to evaluate");
    for (int h : options_.alsoAt) {
        if (h < 1) throw Error("horizon must be >= 1, got " + std::to_string(h));
        options_.horizon = std::max(options_.horizon, h);
    }
    for (const auto& p : predictors_) {
        PredictorScore score;
        score.name = p->name();
        score.parameters = p->parameters();
        score.alsoAt.resize(options_.alsoAt.size());
        scores_.push_back(std::move(score));
    }
}

void PredictionEvaluator::push(int64_t step, const LoadShares& shares) {
    window_.emplace_back(step, shares);
    if (static_cast<int>(window_.size()) > options_.horizon) {
        evaluateFront();
        window_.pop_front();
    }
}

void PredictionEvaluator::evaluateFront() {
    const auto& [step, shares] = window_.front();
    const int H = options_.horizon, L = shares.layers;
    const bool scored =
        observed_ >= options_.warmup && (observed_ - options_.warmup) % options_.forecastEvery == 0;
    ++observed_;
    for (size_t i = 0; i < predictors_.size(); ++i) {
        Predictor& p = *predictors_[i];
        PredictorScore& score = scores_[i];
        if (score.perLayer.empty()) score.perLayer.resize(L);
        auto t0 = std::chrono::steady_clock::now();
        p.observe(step, shares);
        score.observeSeconds += since(t0);
        ++score.observations;
        if (!scored) continue;
        if (p.wantsFuture()) {
            future_.clear();
            for (int h = 1; h <= H; ++h) future_.push_back(window_[h].second);
            p.peekFuture(future_);
        }
        t0 = std::chrono::steady_clock::now();
        p.forecast(H, forecast_);
        score.forecastSeconds += since(t0);
        ++score.forecasts;
        if (forecast_.horizon() != H || forecast_.layers() != L ||
            forecast_.experts() != shares.experts)
            throw Error(p.name() + ": forecast has the wrong shape");
        for (int l = 0; l < L; ++l) {
            MetricAccumulator overH;
            for (int h = 1; h <= H; ++h) {
                const float* predicted =
                    forecast_.block(h) + static_cast<size_t>(l) * shares.experts;
                overH.add(layerErrors({predicted, static_cast<size_t>(shares.experts)},
                                      window_[h].second.layer(l)));
                for (size_t a = 0; a < options_.alsoAt.size(); ++a)
                    if (options_.alsoAt[a] == h) {
                        const ErrorMetrics m = overH.mean();
                        score.alsoAt[a].add(m);
                        if (sink_ && h != H) sink_({step, static_cast<int>(i), h, l, m});
                    }
            }
            const ErrorMetrics m = overH.mean();
            score.perLayer[l].add(m);
            score.overall.add(m);
            if (sink_) sink_({step, static_cast<int>(i), H, l, m});
        }
    }
}

}  // namespace moe
