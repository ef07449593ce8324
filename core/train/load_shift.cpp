// See load_shift.h.
#include "core/train/load_shift.h"

#include <cmath>

namespace moe::train {

std::vector<double> meanShares(const std::vector<LoadShares>& series, int64_t begin, int64_t end) {
    if (series.empty() || begin >= end) return {};
    std::vector<double> mean(series[0].p.size(), 0.0);
    for (int64_t s = begin; s < end; ++s)
        for (size_t i = 0; i < mean.size(); ++i) mean[i] += series[s].p[i];
    for (auto& m : mean) m /= static_cast<double>(end - begin);
    return mean;
}

std::vector<double> shareShiftL1(const std::vector<LoadShares>& series, int64_t at, int window) {
    if (window < 1 || at - window < 0 || at + window > static_cast<int64_t>(series.size()))
        return {};
    const auto before = meanShares(series, at - window, at);
    const auto after = meanShares(series, at, at + window);
    const int L = series[0].layers, E = series[0].experts;
    std::vector<double> l1(L, 0.0);
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e)
            l1[l] += std::abs(after[static_cast<size_t>(l) * E + e] -
                              before[static_cast<size_t>(l) * E + e]);
    return l1;
}

}  // namespace moe::train
