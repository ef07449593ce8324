// See workload_stats.h. Per-step skewness is computed from a per-step matrix cleared each
// step, so the pass stays O(tokens * layers * k) with no per-step allocation.
#include "core/stats/workload_stats.h"

#include <algorithm>

namespace moe {

WorkloadStats computeWorkloadStats(Workload& workload, int64_t maxSteps,
                                   const std::function<void(int64_t, int64_t)>& progress) {
    const WorkloadShape& shape = workload.shape();
    WorkloadStats out;
    out.totals = LoadMatrix(shape.layers, shape.experts);
    LoadMatrix step(shape.layers, shape.experts);
    std::vector<double> skewSum(shape.layers, 0), skewMax(shape.layers, 0);
    Step s;
    int64_t lastReport = 0;
    while ((maxSteps <= 0 || out.steps < maxSteps) && workload.next(s)) {
        step.clear();
        step.accumulate(s, shape.topK);
        out.totals.add(step);
        for (int l = 0; l < shape.layers; ++l) {
            const double skew = layerLoadStats(step.layer(l)).skewness;
            skewSum[l] += skew;
            skewMax[l] = std::max(skewMax[l], skew);
        }
        ++out.steps;
        out.tokens += s.tokens;
        if (progress && out.tokens - lastReport >= 8192) {
            progress(out.steps, out.tokens);
            lastReport = out.tokens;
        }
    }
    for (int l = 0; l < shape.layers; ++l) {
        LayerWorkloadStats ls;
        ls.layer = l;
        ls.whole = layerLoadStats(out.totals.layer(l));
        ls.stepSkewnessMean = out.steps ? skewSum[l] / static_cast<double>(out.steps) : 0;
        ls.stepSkewnessMax = skewMax[l];
        out.layers.push_back(ls);
    }
    return out;
}

}  // namespace moe
