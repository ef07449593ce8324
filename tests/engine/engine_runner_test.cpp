// The GUI's engine thread (app/gui/engine_runner.h) driven as the window drives it, without Qt:
// one thread drains frames and reads the published figures while another pauses, resumes,
// changes parameters, stops and restarts runs. Built into the TSan run (scripts/sanitize.sh),
// which is what proves the hand-over race-free; here it also checks what the window relies on.
#include "app/gui/engine_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "app/gui/experiment_config.h"

namespace moe::gui {
namespace {

using namespace std::chrono_literals;

// Small synthetic routing on two rank threads with real FFNs and EPLB: every part of a run
// that publishes something (frames, scores, rebalances) in well under a second.
ExperimentConfig smallRun(int64_t steps) {
    ExperimentConfig c = uiBenchConfig(steps);
    c.workload.spec = "synthetic:layers=2,experts=8,top_k=2,tokens=32,skew=2,drift=0.02,steps=" +
                      std::to_string(steps);
    c.workload.tokensPerStep = 32;
    c.model.ranks = 2;
    c.prediction.predictors = {"last", "sw_avg:window=10"};
    c.rebalance.policy = "eplb";
    c.rebalance.extraSlots = 2;
    c.rebalance.every = 10;
    return c;
}

bool waitUntilDone(const EngineRunner& r, std::chrono::seconds limit = 120s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (r.live() && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(2ms);
    return !r.live();
}

// What the window's timer does: drain frames and read every figure it shows.
struct Drainer {
    EngineRunner& runner;
    std::atomic<bool> quit{false};
    std::atomic<int64_t> frames{0}, lastStep{-1};
    std::atomic<bool> ordered{true};
    std::thread thread{[this] { loop(); }};
    void loop() {
        std::vector<Frame> batch;
        while (!quit) {
            runner.drain(batch);
            for (const Frame& f : batch) {
                // Steps rise within a run; a restart begins again at 0.
                if (f.telemetry.step != 0 && f.telemetry.step <= lastStep) ordered = false;
                lastStep = f.telemetry.step;
            }
            frames += static_cast<int64_t>(batch.size());
            (void)runner.state();
            (void)runner.description();
            (void)runner.predictorNames();
            (void)runner.predictorScores();
            (void)runner.policyScore();
            (void)runner.takeWarnings();
            int experts = 0;
            (void)runner.initialReplicaCounts(experts);
            std::this_thread::sleep_for(1ms);
        }
    }
    ~Drainer() {
        quit = true;
        thread.join();
    }
};

TEST(EngineRunner, PauseResumeSetStopAndRestartWhileTheWindowDrains) {
    EngineRunner runner;
    Drainer drainer{runner};
    runner.start(smallRun(100000));
    std::this_thread::sleep_for(50ms);
    runner.pause();
    EXPECT_EQ(runner.state(), RunState::Paused);
    const int64_t atPause = drainer.frames;
    std::this_thread::sleep_for(50ms);
    runner.set("rebalance.every", "5");
    runner.resume();
    std::this_thread::sleep_for(50ms);
    runner.start(smallRun(200));  // a restart stops the running one first
    ASSERT_TRUE(waitUntilDone(runner));
    std::this_thread::sleep_for(20ms);  // the drainer's last pass
    EXPECT_EQ(runner.state(), RunState::Finished) << runner.error();
    EXPECT_GT(drainer.frames, atPause);
    EXPECT_EQ(drainer.lastStep, 199) << "the restarted run's last step reached the window";
    EXPECT_TRUE(drainer.ordered);
    EXPECT_EQ(runner.predictorNames().size(), 2u);
    EXPECT_GT(runner.policyScore().rebalances, 0);
}

// Pause and resume act on a live run only: a finished run stays finished, and a stop wakes a
// paused run and ends it as finished (the window's Stop while paused).
TEST(EngineRunner, PauseAndResumeLeaveAFinishedRunFinished) {
    EngineRunner runner;
    runner.start(smallRun(3));
    ASSERT_TRUE(waitUntilDone(runner));
    runner.pause();
    EXPECT_EQ(runner.state(), RunState::Finished);
    runner.resume();
    EXPECT_EQ(runner.state(), RunState::Finished);
    runner.start(smallRun(100000));
    std::this_thread::sleep_for(20ms);
    runner.pause();
    EXPECT_EQ(runner.state(), RunState::Paused);
    runner.stop();
    EXPECT_EQ(runner.state(), RunState::Finished);
}

TEST(EngineRunner, AFullQueueDropsFramesAndSaysHowMany) {
    EngineRunner runner(8);
    runner.start(smallRun(100));
    ASSERT_TRUE(waitUntilDone(runner));
    std::vector<Frame> frames;
    EXPECT_EQ(runner.drain(frames), 92);
    EXPECT_EQ(frames.size(), 8u);
    EXPECT_EQ(runner.drain(frames), 0) << "counted once";
}

TEST(EngineRunner, ABadWorkloadFailsTheRunWithItsMessage) {
    EngineRunner runner;
    ExperimentConfig c = smallRun(10);
    c.workload.spec = "synthetic:experts=0";
    runner.start(c);
    ASSERT_TRUE(waitUntilDone(runner));
    EXPECT_EQ(runner.state(), RunState::Failed);
    EXPECT_NE(runner.error().find("experts"), std::string::npos) << runner.error();
}

}  // namespace
}  // namespace moe::gui
