// See prediction_record.h.
#include "core/store/prediction_record.h"

namespace moe::store {

PredictionRecord predictionRecord(const std::string& predictor, const PredictionError& e) {
    PredictionRecord r;
    r.predictor = predictor;
    r.horizon = e.horizon;
    r.layer = e.layer;
    r.step = e.step;
    r.relativeError = e.metrics.relative;
    r.absoluteError = e.metrics.absolute;
    r.gpsError = e.metrics.gps;
    r.maxExpertError = e.metrics.maxLoad;
    return r;
}

}  // namespace moe::store
