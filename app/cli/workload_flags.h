// The workload flags every command that reads routing shares (run, stats, and later predict
// and plan), registered once so their names, defaults and help text never drift apart.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/experiment/experiment_config.h"
#include "core/experiment/workload_source.h"

namespace moe::cli {

struct WorkloadFlags {
    std::string spec = "trace:gpt-oss-20b";
    std::string batching = "continuous";
    int tokensPerStep = 4096;
    int batch = 64;
    int layers = 0, experts = 0, topK = 0;  // 0 = from the trace's .shape sidecar

    void addTo(CLI::App& app, const std::string& defaultBatching);
    WorkloadOptions options(int64_t maxSteps, uint64_t seed) const;
    // Into an experiment's workload (its step limit is set elsewhere).
    void into(ExperimentWorkload& w) const;
};

}  // namespace moe::cli
