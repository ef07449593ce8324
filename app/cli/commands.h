// One function per CLI sub-command: each registers its flags on the parent app and returns
// the action to run when that sub-command was chosen (returning the process exit code).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace moe::cli {

using Action = std::function<int()>;

Action addRunCommand(CLI::App& app);
Action addStatsCommand(CLI::App& app);
Action addDevicesCommand(CLI::App& app);
Action addRunsCommand(CLI::App& app);
Action addCompareCommand(CLI::App& app);
Action addExportCommand(CLI::App& app);
Action addPredictCommand(CLI::App& app);
Action addPlanCommand(CLI::App& app);
Action addSweepCommand(CLI::App& app);
Action addTrainCommand(CLI::App& app);
Action addWhatIfCommand(CLI::App& app);
Action addImportCommand(CLI::App& app);

}  // namespace moe::cli
