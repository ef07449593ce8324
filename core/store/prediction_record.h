// A scored forecast as the store keeps it (one PredictionRecord per predictor, horizon, layer
// and step): shared by `predict` and the workbench, so both record the same rows.
#pragma once

#include <string>

#include "core/predict/prediction_evaluator.h"
#include "core/store/store_records.h"

namespace moe::store {

// `predictor` is the label the row is filed under ("sw_avg:window=100").
PredictionRecord predictionRecord(const std::string& predictor, const PredictionError& error);

}  // namespace moe::store
