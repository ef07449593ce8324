// See run_loop.h.
#include "core/engine/run_loop.h"

namespace moe {

int64_t runLoop(Workload& workload, MoeEngine& engine, int64_t maxSteps, const StepSink& sink,
                const std::atomic<bool>* stop) {
    Step step;
    StepTelemetry telemetry;
    int64_t done = 0;
    while ((maxSteps <= 0 || done < maxSteps) && !(stop && stop->load(std::memory_order_relaxed))) {
        if (!workload.next(step)) break;
        engine.runStep(step, telemetry);
        ++done;
        if (sink) sink(telemetry);
    }
    return done;
}

int64_t runLoopDistributed(BroadcastWorkload& workload, MoeEngine& engine, int64_t maxSteps,
                           const StepSink& sink, const std::atomic<bool>* stop) {
    if (!workload.isRoot()) return runLoop(workload, engine, 0, sink, nullptr);
    const int64_t done = runLoop(workload, engine, maxSteps, sink, stop);
    workload.finish();
    return done;
}

}  // namespace moe
