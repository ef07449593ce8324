// Readers browse while a run is recording: WAL lets them read the last committed snapshot
// while the recorder writes, and the busy timeout covers the moments a reader must write
// (settling dead runs). No "database is locked" may reach a user.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

TEST(StoreConcurrency, ReadersSeeNoLockErrorsWhileARunRecords) {
    test::ScratchDir dir;
    const std::string path = dir.path("live.sqlite").string();
    RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(10);
    RunRecorder rec(path, test::testRunInfo(24, 32, 4), options);

    std::atomic<bool> done{false};
    std::atomic<int> reads{0};
    std::mutex errorsMutex;
    std::vector<std::string> errors;
    auto fail = [&](const std::string& e) {
        std::lock_guard lock(errorsMutex);
        errors.push_back(e);
    };
    auto reader = [&](bool tagAsWell) {
        try {
            while (!done) {
                ExperimentStore store(path);  // a fresh open each time, as a CLI command would
                const auto runs = store.listRuns();
                if (runs.empty()) continue;
                RunReader r(store.connection(), runs[0]);
                const LayerHistory h = r.layerLoads(5);
                int64_t steps = 0;
                r.forEachStep([&](const StepTelemetry&) { ++steps; });
                // The history (read first) can never be ahead of the later snapshot.
                if (static_cast<int64_t>(h.steps.size()) > steps) fail("torn read");
                if (tagAsWell) store.addTags(runs[0].id, {"seen"});  // a write, too
                ++reads;
            }
        } catch (const std::exception& e) {
            fail(e.what());
        }
    };
    std::thread t1(reader, false);
    const auto start = std::chrono::steady_clock::now();
    int64_t s = 0;
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500))
        rec.record(test::makeFrame(s++, 24, 32, 4));
    std::thread t2(reader, true);  // a second reader that also writes tags
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(2500))
        rec.record(test::makeFrame(s++, 24, 32, 4));
    done = true;
    t1.join();
    t2.join();
    rec.finish(RunStatus::Finished);

    EXPECT_TRUE(errors.empty()) << errors.front();
    EXPECT_GT(reads.load(), 5);
    EXPECT_GT(rec.stats().committedSteps, 100);
    EXPECT_EQ(rec.stats().committedSteps + rec.stats().framesDropped, s);
    ExperimentStore store(path);
    EXPECT_EQ(store.run(1).steps, rec.stats().committedSteps);
    EXPECT_EQ(store.run(1).framesDropped, rec.stats().framesDropped);
}

TEST(StoreConcurrency, FullQueueDropsAndCountsInsteadOfGrowing) {
    test::ScratchDir dir;
    const std::string path = dir.path("drops.sqlite").string();
    RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(50);
    options.maxQueuedBytes = 1;  // room for one record at a time
    options.maxBlock = std::chrono::milliseconds(0);
    RunRecorder rec(path, test::testRunInfo(), options);
    const int n = 2000;
    for (int s = 0; s < n; ++s) rec.record(test::makeFrame(s));
    rec.finish(RunStatus::Finished);
    const RecorderStats st = rec.stats();
    EXPECT_EQ(st.committedSteps + st.framesDropped, n);
    EXPECT_GT(st.framesDropped, 0);
    ExperimentStore store(path);
    EXPECT_EQ(store.run(1).framesDropped, st.framesDropped);
    EXPECT_EQ(store.run(1).steps, st.committedSteps);
    RunReader reader(store.connection(), store.run(1));
    EXPECT_DOUBLE_EQ(reader.runMetrics().at("frames_dropped"),
                     static_cast<double>(st.framesDropped));
}

}  // namespace
}  // namespace moe::store
