// The performance model calibrated from a measured run: a rank's expert time in one layer of one
// step is fitted as flops / R + calls * c, a FLOP rate R and a fixed cost c per expert call (a
// call per expert with rows on that rank), by least squares over every (step, layer, rank). A
// rate measured on one warm expert alone misses the fixed cost that dominates at decode sizes
// (few rows per expert), which is why the model once read 4 ms where 12-13 ms were measured.
#pragma once

#include <cstddef>
#include <vector>

#include "core/engine/telemetry.h"

namespace moe {

class BusyTimeFit {
public:
    // One sample; samples without measured time (a replay) are ignored.
    void add(double flops, double calls, double seconds);
    // Every rank of one layer of a step: its rows at `flopsPerRow`, its expert calls (see
    // expertCallsPerRank) and its measured busy time.
    void addLayer(const StepTelemetry& t, int layer, const std::vector<double>& calls,
                  double flopsPerRow);

    struct Result {
        bool ok = false;      // enough varied samples for both parameters
        double flopRate = 0;  // R, FLOP/s (0 when the fit found no FLOP-proportional part)
        double secondsPerCall = 0;
        size_t samples = 0;
    };
    Result fit() const;
    // The fitted time of `flops` and `calls` (0 when the fit is not ok).
    static double predict(const Result& r, double flops, double calls);

private:
    double ff_ = 0, fc_ = 0, cc_ = 0, fs_ = 0, cs_ = 0;
    size_t n_ = 0;
};

}  // namespace moe
