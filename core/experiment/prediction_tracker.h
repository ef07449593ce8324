// The experiment's side of prediction: one PredictionSuite over every compared predictor (load
// and token-to-expert families alike), its scored errors turned into per-step points for the
// views (mean over layers, per predictor and horizon) and into prediction records for the store,
// and score rows for comparison tables. Predictors keep the order the config lists them in.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/experiment/experiment_config.h"
#include "core/experiment/experiment_frame.h"
#include "core/predict/prediction_suite.h"

namespace moe {

namespace store {
class RunRecorder;
}

class PredictionTracker {
public:
    // Throws moe::Error when a spec is bad or the workload lacks what a predictor needs.
    PredictionTracker(const ExperimentPrediction& options, const std::string& workloadSpec,
                      const WorkloadShape& shape);
    // Every scored error is recorded from then on (null: none).
    void setRecorder(store::RunRecorder* recorder) { recorder_ = recorder; }

    // One step, before the next one is read: token-to-expert predictors guess its routing
    // before they learn from it; load predictors observe its loads. Adds the points scored
    // during this step and the phase states to `frame`.
    void push(const Step& step, const LoadMatrix& loads, ExperimentFrame& frame);

    // name[:parameters] of each predictor, in the config's order (PredictionPoint::predictor).
    const std::vector<std::string>& names() const { return names_; }
    std::vector<PredictorScoreRow> scores() const;
    const PredictionSuite& suite() const { return suite_; }

private:
    struct Pending {  // the running mean over layers of one predictor's current forecast
        double sum = 0;
        int count = 0;
        int64_t step = 0;
    };
    void add(int display, int horizonIndex, const PredictionError& e);
    void flush(std::vector<PredictionPoint>& out);

    std::vector<int> horizons_;
    PredictionSuite suite_;
    std::vector<std::string> names_;
    std::vector<int> loadDisplay_, tokenDisplay_;  // family index -> display index
    std::vector<std::vector<Pending>> pending_;    // [horizon index][display index]
    std::vector<PredictionPoint> points_;
    store::RunRecorder* recorder_ = nullptr;
};

}  // namespace moe
