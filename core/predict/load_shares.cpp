// See load_shares.h.
#include "core/predict/load_shares.h"

namespace moe {

LoadShares sharesOf(const LoadMatrix& loads, int tokens, int topK) {
    LoadShares s(loads.layers(), loads.experts());
    const double pairs = static_cast<double>(tokens) * topK;
    for (int l = 0; l < loads.layers(); ++l)
        for (int e = 0; e < loads.experts(); ++e)
            s.at(l, e) = pairs > 0 ? static_cast<float>(loads.at(l, e) / pairs)
                                   : 1.0f / static_cast<float>(loads.experts());
    return s;
}

std::vector<LoadShares> readShareSeries(Workload& workload, int64_t maxSteps) {
    const WorkloadShape& shape = workload.shape();
    LoadMatrix loads(shape.layers, shape.experts);
    std::vector<LoadShares> out;
    Step step;
    while ((maxSteps <= 0 || static_cast<int64_t>(out.size()) < maxSteps) && workload.next(step)) {
        loads.clear();
        loads.accumulate(step, shape.topK);
        out.push_back(sharesOf(loads, step.tokens, shape.topK));
    }
    return out;
}

}  // namespace moe
