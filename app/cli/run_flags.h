// The flags of `run`, in groups that write straight into the parts of an ExperimentConfig, so
// the command itself has no translation step to drift out of date.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/experiment/experiment_config.h"

namespace moe::cli {

void addRunModelFlags(CLI::App& cmd, ExperimentModel& m, bool& noRenormalize);
void addRunPredictionFlags(CLI::App& cmd, ExperimentPrediction& p, bool& perLayer);
// Returns --policy, which the other rebalancing flags need.
CLI::Option* addRunRebalanceFlags(CLI::App& cmd, ExperimentRebalance& r);
void addRunRecordingFlags(CLI::App& cmd, ExperimentRecording& r, std::string& db, bool& noDb);

}  // namespace moe::cli
