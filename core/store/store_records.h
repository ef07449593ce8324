// The plain records the experiment store writes and reads back. Producers (the run loop now,
// predictors and policies in later issues) fill these; the recorder queues them; the queries
// return them. No SQLite types leak out of core/store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace moe::store {

enum class RunStatus { Running, Finished, Failed, Interrupted };

const char* toString(RunStatus s);
// Throws moe::Error naming the value when it is not one of the four names.
RunStatus parseRunStatus(const std::string& name);

// What the caller knows when a run starts.
struct RunInfo {
    std::string name;
    std::vector<std::string> tags;
    std::string notes;
    std::string workload;    // Workload::describe()
    std::string configJson;  // the full configuration, enough to repeat the run
    std::string backend;     // MoeEngine::describe()
    int layers = 0, experts = 0, ranks = 0;
};

// One experiment as stored (a row of `experiments` plus its tags).
struct RunRecord {
    int64_t id = 0;
    std::string name;
    std::vector<std::string> tags;
    std::string notes;
    RunStatus status = RunStatus::Running;
    std::string created;   // ISO-8601 UTC
    std::string finished;  // empty while running
    std::string error;     // why a run failed or was interrupted
    std::string workload, configJson, codeVersion, machine, backend;
    int layers = 0, experts = 0, ranks = 0;
    int64_t writerPid = 0;
    std::string writerHost, writerStart, heartbeat;
    int64_t steps = 0, tokens = 0;  // committed so far
    int64_t framesDropped = 0;      // telemetry frames the recorder could not keep up with
    // What is wrong with the stored row (a dimension that is not a whole number, a
    // configuration that is not JSON); empty for a sound row. Readers of the run refuse it.
    std::string damage;
};

// A predictor's error for one (horizon, layer, target step); issue 4 produces these.
struct PredictionRecord {
    std::string predictor;  // e.g. "sw_avg:window=100"
    int horizon = 1;
    int layer = 0;
    int64_t step = 0;           // the step that was predicted
    double relativeError = 0;   // mean_e |p^-p|/p
    double absoluteError = 0;   // mean_e |p^-p|
    double gpsError = 0;        // mean_e |p^-p|/(1/E), MoE-GPS's normalisation
    double maxExpertError = 0;  // error on the load of the expert predicted to be hottest
    std::vector<float> shares;  // predicted per-expert shares; empty = not kept
};

// A duplication/placement decision for one (step, layer, policy); issue 5 produces these.
struct DecisionRecord {
    int64_t step = 0;
    int layer = 0;
    std::string policy;
    std::vector<int32_t> replicas;   // E: replica count of each expert
    std::vector<int32_t> slotRanks;  // one per slot, expert-major (expert 0's replicas first)
    double balancednessBefore = 0, balancednessAfter = 0;
    int64_t movedExperts = 0, movedBytes = 0;
};

// A free-form figure: of the whole run (step empty) or of one step.
struct MetricRecord {
    std::string key;
    double value = 0;
    std::optional<int64_t> step;
};

// Filters of `runs list`; empty fields do not filter.
struct RunFilter {
    std::optional<RunStatus> status;
    std::string tag;
    std::string search;  // substring of name, notes or workload
};

}  // namespace moe::store
