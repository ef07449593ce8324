// See error_metrics.h.
#include "core/predict/error_metrics.h"

#include <algorithm>
#include <cmath>

namespace moe {

ErrorMetrics layerErrors(std::span<const float> predicted, std::span<const float> actual) {
    ErrorMetrics m;
    const size_t E = actual.size();
    if (E == 0) return m;
    double rel = 0, abs = 0, maxP = 0, maxA = 0;
    int withShare = 0;
    for (size_t e = 0; e < E; ++e) {
        const double d = std::abs(static_cast<double>(predicted[e]) - actual[e]);
        abs += d;
        if (actual[e] > 0) {
            rel += d / actual[e];
            ++withShare;
        } else {
            ++m.zeroShareExperts;
        }
        maxP = std::max(maxP, static_cast<double>(predicted[e]));
        maxA = std::max(maxA, static_cast<double>(actual[e]));
    }
    m.relative = withShare ? rel / withShare : 0;
    m.absolute = abs / static_cast<double>(E);
    m.gps = abs;  // (abs / E) / (1 / E)
    m.maxLoad = maxA > 0 ? std::abs(maxP - maxA) / maxA : 0;
    return m;
}

void MetricAccumulator::add(const ErrorMetrics& m) {
    relative_ += m.relative;
    absolute_ += m.absolute;
    gps_ += m.gps;
    maxLoad_ += m.maxLoad;
    zero_ += m.zeroShareExperts;
    ++n_;
}

ErrorMetrics MetricAccumulator::mean() const {
    ErrorMetrics m;
    if (n_ == 0) return m;
    const double n = static_cast<double>(n_);
    m.relative = relative_ / n;
    m.absolute = absolute_ / n;
    m.gps = gps_ / n;
    m.maxLoad = maxLoad_ / n;
    m.zeroShareExperts = static_cast<int>(zero_ / n_);
    return m;
}

}  // namespace moe
