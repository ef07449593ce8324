// Turns a user's predictor spec ("sw_avg:window=100", "arima:p=5,d=1,q=5", "t2e_position")
// into a predictor. Unknown names, unknown keys and bad values are errors that name them, so a
// typo never silently runs a default.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/predict/predictor.h"
#include "core/predict/token_predictors.h"
#include "core/workload/step.h"

namespace moe {

struct PredictorSet {
    std::vector<std::unique_ptr<Predictor>> load;        // forecast shares over H steps
    std::vector<std::unique_ptr<TokenPredictor>> token;  // per-token expert guesses
};

// Adds the predictor `spec` describes to `set`. Throws moe::Error on a bad spec.
void addPredictor(const std::string& spec, const WorkloadShape& shape, PredictorSet& set);

// Every known name with its keys and defaults, for --help.
std::string predictorHelp();

}  // namespace moe
