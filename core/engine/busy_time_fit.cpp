// See busy_time_fit.h. Two parameters, no intercept: the normal equations of a 2 x 2 system,
// with each parameter kept non-negative (a negative cost per call or FLOP is not a machine).
#include "core/engine/busy_time_fit.h"

#include <cmath>

namespace moe {

void BusyTimeFit::add(double flops, double calls, double seconds) {
    if (!(seconds > 0)) return;
    ff_ += flops * flops;
    fc_ += flops * calls;
    cc_ += calls * calls;
    fs_ += flops * seconds;
    cs_ += calls * seconds;
    ++n_;
}

void BusyTimeFit::addLayer(const StepTelemetry& t, int layer, const std::vector<double>& calls,
                           double flopsPerRow) {
    for (int r = 0; r < t.ranks; ++r)
        add(flopsPerRow * static_cast<double>(t.rankRowsAt(layer, r)), calls[r],
            t.busyAt(layer, r));
}

BusyTimeFit::Result BusyTimeFit::fit() const {
    Result r;
    r.samples = n_;
    if (n_ < 2 || ff_ <= 0) return r;
    const double det = ff_ * cc_ - fc_ * fc_;
    double perFlop = 0, perCall = 0;
    if (cc_ > 0 && std::abs(det) > 1e-12 * ff_ * cc_) {
        perFlop = (fs_ * cc_ - cs_ * fc_) / det;
        perCall = (ff_ * cs_ - fc_ * fs_) / det;
    }
    if (perCall <= 0 || perFlop <= 0) {  // one parameter alone fits better: keep the rate
        perCall = 0;
        perFlop = fs_ / ff_;
    }
    if (!(perFlop > 0)) return r;
    r.ok = true;
    r.flopRate = 1.0 / perFlop;
    r.secondsPerCall = perCall;
    return r;
}

double BusyTimeFit::predict(const Result& r, double flops, double calls) {
    return r.ok ? flops / r.flopRate + calls * r.secondsPerCall : 0;
}

}  // namespace moe
