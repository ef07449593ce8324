// The SIGKILL promise, tested for real: a child process records steps with a short batch
// interval; once at least two batches are committed it is killed with SIGKILL. The file must
// pass integrity_check, hold every step of every committed batch (and nothing half-written),
// and show the run as interrupted when next opened.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

// The child: record forever, a step every half millisecond, committing every 30 ms.
[[noreturn]] void recordUntilKilled(const std::string& path) {
    try {
        RecorderOptions options;
        options.batchInterval = std::chrono::milliseconds(30);
        RunRecorder rec(path, test::testRunInfo(24, 32, 4), options);
        for (int64_t s = 0;; ++s) {
            rec.record(test::makeFrame(s, 24, 32, 4));
            std::this_thread::sleep_for(std::chrono::microseconds(500));
        }
    } catch (...) {
        _exit(3);
    }
}

TEST(StoreCrash, SigkillKeepsCommittedBatchesAndShowsInterrupted) {
    test::ScratchDir dir;
    const std::string path = dir.path("killed.sqlite").string();
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) recordUntilKilled(path);

    // Watch the committed step count from outside; two different non-zero values mean at
    // least two batches are in the file.
    std::vector<int64_t> seen;
    const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (seen.size() < 3 && std::chrono::steady_clock::now() < giveUp) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (!std::filesystem::exists(path)) continue;
        test::RawDb raw(path);
        const std::string steps = raw.text("SELECT steps FROM experiments WHERE id = 1");
        if (steps.empty() || steps.rfind("ERROR", 0) == 0 || steps == "0") continue;
        if (seen.empty() || seen.back() != std::stoll(steps)) seen.push_back(std::stoll(steps));
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended by itself (status " << status << ")";
    ASSERT_GE(seen.size(), 2u) << "fewer than two batches were committed in 30 s";

    {
        test::RawDb raw(path);
        EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
        EXPECT_EQ(raw.text("SELECT status FROM experiments WHERE id = 1"), "running");
    }
    ExperimentStore store(path);  // any open settles the dead writer's run
    const RunRecord run = store.run(1);
    EXPECT_EQ(run.status, RunStatus::Interrupted);
    EXPECT_NE(run.error.find("pid " + std::to_string(child)), std::string::npos) << run.error;
    EXPECT_GE(run.steps, seen.back());

    // Every committed step is there, complete and correct, and nothing beyond them.
    RunReader reader(store.connection(), run);
    int64_t next = 0;
    reader.forEachStep([&](const StepTelemetry& t) {
        test::expectSameFrame(t, test::makeFrame(next++, 24, 32, 4));
    });
    EXPECT_EQ(next, run.steps);
    test::RawDb raw(path);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM loads WHERE run_id = 1"), run.steps * 24);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM rank_stats WHERE run_id = 1"), run.steps * 24);
    EXPECT_EQ(raw.integer("SELECT value FROM metrics WHERE run_id = 1 AND key = 'steps'"),
              run.steps);
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace moe::store
