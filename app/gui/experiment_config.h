// The workbench's side of core's ExperimentConfig (core/experiment/experiment_config.h): the
// defaults it opens with (issue 6's demo: GPT-OSS-20B replay on 4 ranks, three predictors,
// EPLB duplication), the --bench-ui experiment, and the text form of the horizon list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/experiment/experiment_config.h"

namespace moe::gui {

using ExperimentConfig = moe::ExperimentConfig;

// What the panel shows on first start and after View > Reset: recorded, tagged gui, the whole
// workload, errors at horizons 1 and 10 with phase shading, EPLB every 50 steps with 8 spare
// slots driven by the first compared predictor.
ExperimentConfig defaultGuiConfig();

// --bench-ui's experiment: 24 layers x 32 experts of synthetic routing at a rate the views
// must keep up with (at least 2,000 steps/s), six cheap predictor curves, no recording.
ExperimentConfig uiBenchConfig(int64_t steps);

// "1, 10, 100" -> {1, 10, 100}; throws moe::Error naming the bad entry.
std::vector<int> parseHorizons(const std::string& text);
std::string formatHorizons(const std::vector<int>& horizons);

}  // namespace moe::gui
