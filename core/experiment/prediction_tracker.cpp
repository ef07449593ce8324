// See prediction_tracker.h.
#include "core/experiment/prediction_tracker.h"

#include <algorithm>

#include "core/store/prediction_record.h"
#include "core/store/run_recorder.h"

namespace moe {

namespace {

PredictionSuiteOptions suiteOptions(const ExperimentPrediction& p, const std::string& spec) {
    PredictionSuiteOptions o;
    o.predictors = p.predictors;
    // One forecast of the longest horizon, scored at every horizon asked for: the predictors
    // run once however many horizons are compared.
    o.evaluator.horizon = *std::max_element(p.horizons.begin(), p.horizons.end());
    o.evaluator.forecastEvery = p.forecastEvery;
    o.evaluator.warmup = p.warmup;
    o.evaluator.alsoAt = p.horizons;
    if (p.phases) {
        PhaseOptions phase = p.phase;
        if (phase.smooth <= 0) phase.smooth = spec.rfind("train", 0) == 0 ? 64 : 1;
        o.phases = phase;
    }
    return o;
}

std::string displayName(const std::string& name, const std::string& parameters) {
    return parameters.empty() ? name : name + ":" + parameters;
}

}  // namespace

PredictionTracker::PredictionTracker(const ExperimentPrediction& options,
                                     const std::string& workloadSpec, const WorkloadShape& shape)
    : horizons_(options.horizons), suite_(suiteOptions(options, workloadSpec), shape) {
    // The suite splits the specs by family, each in the config's order: interleave them back.
    size_t loads = 0, tokens = 0;
    for (const std::string& spec : options.predictors) {
        PredictorSet probe;
        addPredictor(spec, shape, probe);
        const bool token = !probe.token.empty();
        const int display = static_cast<int>(names_.size());
        if (token) {
            const TokenScore& s = suite_.tokenEvaluator()->scores()[tokens++];
            names_.push_back(displayName(s.name, s.parameters));
            tokenDisplay_.push_back(display);
        } else {
            const PredictorScore& s = suite_.loadEvaluator()->scores()[loads++];
            names_.push_back(displayName(s.name, s.parameters));
            loadDisplay_.push_back(display);
        }
    }
    pending_.assign(horizons_.size(), std::vector<Pending>(names_.size()));
    suite_.setErrorSink([this](const PredictionError& e) {
        const auto at = std::find(horizons_.begin(), horizons_.end(), e.horizon);
        const int display = loadDisplay_[e.predictor];
        if (recorder_) recorder_->record(store::predictionRecord(names_[display], e));
        if (at != horizons_.end()) add(display, static_cast<int>(at - horizons_.begin()), e);
    });
    // Token guesses are for the step they are in: horizon 1, shown where 1 is a horizon.
    suite_.setTokenErrorSink([this](const PredictionError& e) {
        const auto at = std::find(horizons_.begin(), horizons_.end(), 1);
        const int display = tokenDisplay_[e.predictor];
        if (recorder_) recorder_->record(store::predictionRecord(names_[display], e));
        if (at != horizons_.end()) add(display, static_cast<int>(at - horizons_.begin()), e);
    });
}

void PredictionTracker::add(int display, int horizonIndex, const PredictionError& e) {
    Pending& p = pending_[horizonIndex][display];
    if (p.count > 0 && p.step != e.step) {
        points_.push_back({p.step, display, horizonIndex, p.sum / p.count});
        p = {};
    }
    p.step = e.step;
    p.sum += e.metrics.relative;
    ++p.count;
}

void PredictionTracker::flush(std::vector<PredictionPoint>& out) {
    for (size_t hi = 0; hi < pending_.size(); ++hi)
        for (size_t d = 0; d < pending_[hi].size(); ++d) {
            Pending& p = pending_[hi][d];
            if (p.count == 0) continue;
            out.push_back({p.step, static_cast<int>(d), static_cast<int>(hi), p.sum / p.count});
            p = {};
        }
}

void PredictionTracker::push(const Step& step, const LoadMatrix& loads, ExperimentFrame& frame) {
    suite_.push(step, loads);
    frame.errors = std::move(points_);
    points_.clear();
    flush(frame.errors);
    if (const PhaseDetector* pd = suite_.phases()) {
        frame.stable.resize(static_cast<size_t>(loads.layers()));
        for (int l = 0; l < loads.layers(); ++l) frame.stable[l] = pd->stable(l) ? 1 : 0;
    }
}

std::vector<PredictorScoreRow> PredictionTracker::scores() const {
    std::vector<PredictorScoreRow> rows;
    if (const PredictionEvaluator* ev = suite_.loadEvaluator())
        for (size_t hi = 0; hi < horizons_.size(); ++hi)
            for (size_t p = 0; p < ev->scores().size(); ++p) {
                const PredictorScore& sc = ev->scores()[p];
                PredictorScoreRow row;
                row.name = names_[loadDisplay_[p]];
                row.horizon = horizons_[hi];
                row.meanRelative = sc.alsoAt[hi].mean().relative;
                row.samples = sc.alsoAt[hi].count();
                row.microsPerForecast = sc.microsecondsPerForecastPerLayer();
                rows.push_back(row);
            }
    if (const TokenEvaluator* ev = suite_.tokenEvaluator())
        for (size_t p = 0; p < ev->scores().size(); ++p) {
            const TokenScore& sc = ev->scores()[p];
            PredictorScoreRow row;
            row.name = names_[tokenDisplay_[p]];
            row.tokenLevel = true;
            row.meanRelative = sc.loads.mean().relative;
            row.samples = sc.loads.count();
            row.microsPerForecast = sc.microsecondsPerLayer();
            row.accuracy = sc.accuracy();
            row.topKOverlap = sc.topKOverlap();
            rows.push_back(row);
        }
    return rows;
}

}  // namespace moe
