// See run_summary.h.
#include "core/engine/run_summary.h"

#include <algorithm>
#include <cmath>

namespace moe {

void RunSummary::add(const StepTelemetry& t) {
    if (steps_ == 0) {
        totals_ = LoadMatrix(t.layers, t.loads.experts());
        skewSum_.assign(t.layers, 0);
        dropped_.assign(t.layers, 0);
        ranks_ = t.ranks;
        rankRows_.assign(t.ranks, 0);
        rankBusy_.assign(t.ranks, 0);
    }
    ++steps_;
    tokens_ += t.tokens;
    wall_ += t.wallSeconds;
    stepWall_.push_back(t.wallSeconds);
    totals_.add(t.loads);
    std::vector<double> rows(t.ranks);
    for (int l = 0; l < t.layers; ++l) {
        skewSum_[l] += layerLoadStats(t.loads.layer(l)).skewness;
        dropped_[l] += t.dropped[l];
        for (int r = 0; r < t.ranks; ++r) {
            rows[r] = static_cast<double>(t.rankRowsAt(l, r));
            rankRows_[r] += t.rankRowsAt(l, r);
            rankBusy_[r] += t.busyAt(l, r);
        }
        balanceSum_ += balancedness(rows);
        ++balanceSamples_;
    }
}

double RunSummary::stepWallPercentile(double q) const {
    if (stepWall_.empty()) return 0;
    std::vector<double> v = stepWall_;
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::llround(q * (v.size() - 1))));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
    return v[i];
}

double RunSummary::meanStepSkewness(int layer) const {
    return steps_ ? skewSum_[layer] / static_cast<double>(steps_) : 0;
}

}  // namespace moe
