// Corrects a load forecast by its own recent error. A gate distilled online lags the router it
// copies, which is trained live, so part of its error on one step is there again on the next:
// this keeps, per layer and expert, a running mean of (true load - forecast) per token and adds
// it to the next forecast. A step's own error is mostly noise (adding it whole made the
// pre-gate worse: 83.6% -> 80.0% of the gap closed), so the mean is slow (weight 0.03).
#pragma once

#include <cstdint>
#include <vector>

#include "core/stats/load_matrix.h"
#include "core/workload/step.h"

namespace moe {

class LoadBiasCorrection {
public:
    // `weight` in [0, 1]: the newest step's share of the running mean; 0 turns it off.
    LoadBiasCorrection(const WorkloadShape& shape, double weight);
    bool enabled() const { return weight_ > 0; }
    // Keeps `load` (E experts, the step's uncorrected forecast for `layer`) for observe, then
    // adds the running error to it (loads stay >= 0).
    void correct(const Step& step, int layer, double* load);
    // Folds in the error of the forecasts made for this step.
    void observe(const Step& step);

private:
    double weight_;
    int experts_, topK_;
    std::vector<std::vector<double>> forecast_, error_;  // per layer, per token, E wide
    std::vector<int64_t> forecastStep_;                  // per layer; -1 before any
    LoadMatrix truth_;                                   // the observed step's counts
};

}  // namespace moe
