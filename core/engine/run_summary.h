// Whole-run figures accumulated from step telemetry: what the CLI prints at the end of a run
// and what the store will keep as the run's headline metrics.
#pragma once

#include <cstdint>
#include <vector>

#include "core/engine/telemetry.h"
#include "core/stats/load_matrix.h"

namespace moe {

class RunSummary {
public:
    void add(const StepTelemetry& t);

    int64_t steps() const { return steps_; }
    int64_t tokens() const { return tokens_; }
    double wallSeconds() const { return wall_; }
    double tokensPerSecond() const { return wall_ > 0 ? static_cast<double>(tokens_) / wall_ : 0; }
    // Percentile (0..1) of the per-step wall time, in seconds.
    double stepWallPercentile(double q) const;

    int layers() const { return totals_.layers(); }
    int ranks() const { return ranks_; }
    const LoadMatrix& totals() const { return totals_; }  // pairs per expert over the run
    double meanStepSkewness(int layer) const;             // mean over steps of max/mean
    int64_t dropped(int layer) const { return dropped_[layer]; }
    int64_t rankRows(int rank) const { return rankRows_[rank]; }        // all layers
    double rankBusySeconds(int rank) const { return rankBusy_[rank]; }  // all layers
    // Mean over steps and layers of balancedness (mean/max) of rows per rank.
    double meanBalancedness() const { return balanceSamples_ ? balanceSum_ / balanceSamples_ : 1; }

private:
    int64_t steps_ = 0, tokens_ = 0;
    double wall_ = 0;
    int ranks_ = 0;
    std::vector<double> stepWall_;
    LoadMatrix totals_;
    std::vector<double> skewSum_;
    std::vector<int64_t> dropped_, rankRows_;
    std::vector<double> rankBusy_;
    double balanceSum_ = 0;
    int64_t balanceSamples_ = 0;
};

}  // namespace moe
