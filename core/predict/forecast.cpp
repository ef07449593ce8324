// See forecast.h.
#include "core/predict/forecast.h"

namespace moe {

void Forecast::setFlat(int horizon, const LoadShares& shares) {
    horizon_ = horizon;
    layers_ = shares.layers;
    experts_ = shares.experts;
    flat_ = true;
    data_.assign(shares.p.begin(), shares.p.end());
}

void Forecast::resizeSteps(int horizon, int layers, int experts) {
    horizon_ = horizon;
    layers_ = layers;
    experts_ = experts;
    flat_ = false;
    data_.assign(static_cast<size_t>(horizon) * layers * experts, 0.0f);
}

}  // namespace moe
