// What `run` and `predict` share around the one Experiment: the process's environment (notes
// on stderr, the backend chooser, MPI), Ctrl-C as a stop command, the recording's messages,
// and `--from`, which reads a stored run's (or a file's) config to run it again.
#pragma once

#include <ostream>
#include <string>

#include "app/cli/mpi_ranks.h"
#include "core/experiment/experiment.h"

namespace moe::cli {

ExperimentEnvironment cliEnvironment(const RankContext& ctx);

// Ctrl-C and SIGTERM ask `experiment` to stop between steps while this lives.
class InterruptGuard {
public:
    explicit InterruptGuard(Experiment& experiment);
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

private:
    void (*previousInt_)(int);
    void (*previousTerm_)(int);
};

// "run N: recording to PATH", before the first step (even with --quiet: scripts want the id).
void printRecordingStart(std::ostream& out, const Experiment& experiment);
// "run N saved to PATH (finished, S steps)" once the run settled.
void printRecordingSaved(std::ostream& out, const Experiment& experiment);
// On stderr after a failure: which stored run was marked failed and what it kept.
void printRecordingFailed(const Experiment& experiment) noexcept;

// `--from`: a run id or name in the store at `db` (its stored config), or a JSON file.
// Throws moe::Error naming the run or file, and saying when a run predates stored configs.
ExperimentConfig configFrom(const std::string& runOrFile, const std::string& db);

}  // namespace moe::cli
