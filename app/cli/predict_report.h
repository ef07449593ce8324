// How `predict` shows its results: a comparison table (predictor x metric, overall and per
// layer on request), the token-to-expert scores, the phase segments, and CSV/JSON files.
#pragma once

#include <ostream>
#include <string>

#include "core/predict/prediction_suite.h"

namespace moe::cli {

void printPredictionReport(std::ostream& out, const PredictionSuite& suite, bool perLayer);
// CSV rows: predictor,parameters,kind,layer,horizon,relative_error,absolute_error,gps_error,
// max_load_error,accuracy,topk_overlap,us_per_forecast_per_layer,forecasts ("all" = overall).
std::string predictionCsv(const PredictionSuite& suite);
std::string predictionJson(const PredictionSuite& suite, const std::string& workload);

}  // namespace moe::cli
