// Frame-time measurement for `moe-workbench --bench-ui`: the responsiveness goal
// (30 frames per second, no frame over 100 ms, flat memory) measured, not guessed. A frame is
// one timer tick that fed the views; its time is the gap since the previous tick, so painting
// and anything else the event loop did in between counts. Resident memory is sampled so a
// long run shows whether it stays flat. Qt-free: plain std::chrono.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace moe::gui {

struct UiBenchReport {
    int64_t frames = 0;
    double seconds = 0;
    double fps = 0;
    double p50Ms = 0, p95Ms = 0, p99Ms = 0, maxMs = 0;
    int64_t framesOver100Ms = 0;
    double workP50Ms = 0, workMaxMs = 0;  // time inside the tick itself (drain + views)
    int64_t engineSteps = 0;
    double engineStepsPerSecond = 0;
    double rssStartMiB = 0, rssAfterWarmupMiB = 0, rssEndMiB = 0, rssPeakMiB = 0;
    std::string text() const;  // one readable block
};

class UiBench {
public:
    // `warmupSeconds`: frames before this are not counted (start-up, first layout).
    explicit UiBench(double warmupSeconds = 2.0);
    // Call at the start and end of every tick that fed the views.
    void tickStart();
    void tickEnd(int64_t engineStepsSoFar);
    UiBenchReport report() const;

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point start_, lastTick_, tickStart_;
    double warmup_;
    bool counting_ = false;
    Clock::time_point countStart_;
    int64_t stepsAtCountStart_ = 0, steps_ = 0;
    std::vector<double> frameMs_, workMs_;
    double rssStart_ = 0, rssWarm_ = 0, rssPeak_ = 0, rssLast_ = 0;
    int64_t ticks_ = 0;
};

// Resident set size of this process in MiB (Linux /proc/self/statm; 0 elsewhere).
double residentMiB();

}  // namespace moe::gui
