// Whole-workload load statistics (the `stats` command): per layer, the load of every expert
// summed over all steps, its skewness, CV and order statistics, plus the per-step skewness
// distribution. Reads routing only: no layer is executed.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/stats/load_matrix.h"
#include "core/workload/workload.h"

namespace moe {

struct LayerWorkloadStats {
    int layer = 0;
    LayerLoadStats whole;         // over the sum of all steps
    double stepSkewnessMean = 0;  // mean over steps of each step's max/mean
    double stepSkewnessMax = 0;
};

struct WorkloadStats {
    int64_t steps = 0;
    int64_t tokens = 0;
    LoadMatrix totals;
    std::vector<LayerWorkloadStats> layers;
};

// `progress(steps, tokens)` is called every few thousand tokens when set.
WorkloadStats computeWorkloadStats(Workload& workload, int64_t maxSteps = 0,
                                   const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace moe
