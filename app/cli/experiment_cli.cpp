// See experiment_cli.h.
#include "app/cli/experiment_cli.h"

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "app/shared/experiment_backend.h"
#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_recorder.h"

namespace moe::cli {

namespace {
std::atomic<ExperimentCommands*> gCommands{nullptr};
extern "C" void onInterrupt(int) {
    if (ExperimentCommands* c = gCommands.load()) c->requestStop();
}
}  // namespace

ExperimentEnvironment cliEnvironment(const RankContext& ctx) {
    ExperimentEnvironment env;
    env.communicator = ctx.comm;
    env.localRanks = ctx.localRanks;
    env.localRank = ctx.localRank;
    env.hosts = ctx.hosts;
    env.chooseBackend = app::experimentBackendChooser();
    // A GPU that fails mid-run says so from a rank thread, hence the lock.
    const std::string who = ctx.comm ? "rank " + std::to_string(ctx.comm->rank()) + ": " : "";
    env.notice = [who](const std::string& message) {
        static std::mutex lock;
        std::lock_guard guard(lock);
        std::cerr << who << "note: " << message << std::endl;
    };
    return env;
}

InterruptGuard::InterruptGuard(Experiment& experiment) {
    gCommands = &experiment.commands();
    previousInt_ = std::signal(SIGINT, onInterrupt);
    previousTerm_ = std::signal(SIGTERM, onInterrupt);
}

InterruptGuard::~InterruptGuard() {
    std::signal(SIGINT, previousInt_);
    std::signal(SIGTERM, previousTerm_);
    gCommands = nullptr;
}

void printRecordingStart(std::ostream& out, const Experiment& e) {
    if (e.runId() > 0)
        out << "run " << e.runId() << ": recording to " << e.databasePath() << "\n" << std::flush;
}

void printRecordingSaved(std::ostream& out, const Experiment& e) {
    if (e.runId() <= 0) return;
    const store::RecorderStats s = e.recorderStats();
    out << "\nrun " << e.runId() << " saved to " << e.databasePath() << " ("
        << (e.interrupted() ? "interrupted" : "finished") << ", " << grouped(s.committedSteps)
        << " steps";
    if (s.framesDropped)
        out << "; " << grouped(s.framesDropped)
            << " frames dropped because the recorder's queue was full";
    out << ")\n";
}

void printRecordingFailed(const Experiment& e) noexcept {
    if (e.runId() <= 0) return;
    try {
        std::cerr << "run " << e.runId() << " in " << e.databasePath() << " marked failed; its "
                  << grouped(e.recorderStats().committedSteps) << " committed steps are kept\n";
    } catch (...) {
    }
}

ExperimentConfig configFrom(const std::string& runOrFile, const std::string& db) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(runOrFile, ec)) {
        std::ifstream in(runOrFile);
        std::stringstream text;
        text << in.rdbuf();
        if (!in && !in.eof()) throw Error::inFile(runOrFile, 0, "cannot be read");
        return storedExperimentConfig(text.str(), runOrFile);
    }
    const std::string path = databasePath(db);
    if (!std::filesystem::exists(path, ec))
        throw Error("--from " + runOrFile + ": no such file, and no store at " + path);
    store::ExperimentStore store(path);
    const store::RunRecord run = store.run(store.resolveRun(runOrFile));
    return storedExperimentConfig(run.configJson, "run " + runLabel(run) + " in " + path);
}

}  // namespace moe::cli
