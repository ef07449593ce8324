// How a forecast of one layer's shares is scored (methods.md and issue 4), all computed the
// same way for every predictor:
//   relative = mean over experts with p > 0 of |p^ - p| / p   (experts with p = 0 have no
//              relative error; they are left out of the mean and counted in zeroShareExperts;
//              a layer with every p = 0 scores 0)
//   absolute = mean_e |p^ - p|
//   gps      = mean_e |p^ - p| / (1/E)  (MoE-GPS's normalisation: E * absolute)
//   maxLoad  = |max_e p^ - max_e p| / max_e p: how wrong the forecast is about the hottest
//              expert's load, the figure that sizes capacity and duplication
#pragma once

#include <cstdint>
#include <span>

namespace moe {

struct ErrorMetrics {
    double relative = 0;
    double absolute = 0;
    double gps = 0;
    double maxLoad = 0;
    int zeroShareExperts = 0;
};

ErrorMetrics layerErrors(std::span<const float> predicted, std::span<const float> actual);

// Running mean of metrics.
class MetricAccumulator {
public:
    void add(const ErrorMetrics& m);
    ErrorMetrics mean() const;
    int64_t count() const { return n_; }

private:
    double relative_ = 0, absolute_ = 0, gps_ = 0, maxLoad_ = 0;
    int64_t zero_ = 0, n_ = 0;
};

}  // namespace moe
