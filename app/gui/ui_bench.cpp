// See ui_bench.h.
#include "app/gui/ui_bench.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace moe::gui {

double residentMiB() {
    std::ifstream in("/proc/self/statm");
    long pages = 0, resident = 0;
    if (!(in >> pages >> resident)) return 0;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) /
           (1024.0 * 1024.0);
}

UiBench::UiBench(double warmupSeconds) : warmup_(warmupSeconds) {
    start_ = lastTick_ = Clock::now();
    rssStart_ = rssPeak_ = rssLast_ = residentMiB();
}

void UiBench::tickStart() { tickStart_ = Clock::now(); }

void UiBench::tickEnd(int64_t engineStepsSoFar) {
    const Clock::time_point now = Clock::now();
    steps_ = engineStepsSoFar;
    const double sinceStart = std::chrono::duration<double>(now - start_).count();
    if (!counting_ && sinceStart >= warmup_) {
        counting_ = true;
        countStart_ = now;
        stepsAtCountStart_ = engineStepsSoFar;
        rssWarm_ = residentMiB();
    } else if (counting_) {
        frameMs_.push_back(std::chrono::duration<double, std::milli>(now - lastTick_).count());
        workMs_.push_back(std::chrono::duration<double, std::milli>(now - tickStart_).count());
    }
    lastTick_ = now;
    if (++ticks_ % 30 == 0) {  // about once a second: /proc reads are not free
        rssLast_ = residentMiB();
        rssPeak_ = std::max(rssPeak_, rssLast_);
    }
}

namespace {
double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5));
    return v[i];
}
}  // namespace

UiBenchReport UiBench::report() const {
    UiBenchReport r;
    r.frames = static_cast<int64_t>(frameMs_.size());
    r.seconds = counting_ ? std::chrono::duration<double>(lastTick_ - countStart_).count() : 0;
    r.fps = r.seconds > 0 ? static_cast<double>(r.frames) / r.seconds : 0;
    r.p50Ms = percentile(frameMs_, 0.50);
    r.p95Ms = percentile(frameMs_, 0.95);
    r.p99Ms = percentile(frameMs_, 0.99);
    r.maxMs = frameMs_.empty() ? 0 : *std::max_element(frameMs_.begin(), frameMs_.end());
    r.framesOver100Ms =
        std::count_if(frameMs_.begin(), frameMs_.end(), [](double ms) { return ms > 100; });
    r.workP50Ms = percentile(workMs_, 0.50);
    r.workMaxMs = workMs_.empty() ? 0 : *std::max_element(workMs_.begin(), workMs_.end());
    r.engineSteps = steps_ - stepsAtCountStart_;
    r.engineStepsPerSecond = r.seconds > 0 ? static_cast<double>(r.engineSteps) / r.seconds : 0;
    r.rssStartMiB = rssStart_;
    r.rssAfterWarmupMiB = rssWarm_;
    r.rssEndMiB = residentMiB();
    r.rssPeakMiB = std::max(rssPeak_, r.rssEndMiB);
    return r;
}

std::string UiBenchReport::text() const {
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "frames                 %lld in %.1f s (after warm-up)\n"
                  "frame rate             %.1f fps\n"
                  "frame time p50/p95/p99 %.1f / %.1f / %.1f ms\n"
                  "frame time max         %.1f ms (%lld frames over 100 ms)\n"
                  "work per frame p50/max %.2f / %.2f ms (drain + views, inside the tick)\n"
                  "engine                 %lld steps, %.0f steps/s\n"
                  "resident memory        %.1f MiB at start, %.1f after warm-up, %.1f at the "
                  "end, %.1f peak\n",
                  static_cast<long long>(frames), seconds, fps, p50Ms, p95Ms, p99Ms, maxMs,
                  static_cast<long long>(framesOver100Ms), workP50Ms, workMaxMs,
                  static_cast<long long>(engineSteps), engineStepsPerSecond, rssStartMiB,
                  rssAfterWarmupMiB, rssEndMiB, rssPeakMiB);
    return buf;
}

}  // namespace moe::gui
