// How far expert loads move across a point in a run: the L1 distance between the mean expert
// share vectors of the windows before and after it, per layer. Used to show a domain shift
// (corpus section switch) moving the loads, against the same distance between two windows
// before the switch (the ordinary drift of training) as the baseline.
#pragma once

#include <cstdint>
#include <vector>

#include "core/predict/load_shares.h"

namespace moe::train {

// Mean of series[begin, end) per layer and expert (layers x experts, row-major).
std::vector<double> meanShares(const std::vector<LoadShares>& series, int64_t begin, int64_t end);

// Per layer: sum_e |mean_after[e] - mean_before[e]| with before = [at - window, at) and
// after = [at, at + window). Empty when the series does not cover both windows.
std::vector<double> shareShiftL1(const std::vector<LoadShares>& series, int64_t at, int window);

}  // namespace moe::train
