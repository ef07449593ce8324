// The run loop: pull steps from a workload, execute them, hand each step's telemetry to a
// sink. Shared by the CLI and (on its engine thread) the GUI; stoppable between steps.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "core/engine/broadcast_workload.h"
#include "core/engine/moe_engine.h"
#include "core/engine/telemetry.h"
#include "core/workload/workload.h"

namespace moe {

using StepSink = std::function<void(const StepTelemetry&)>;

// Runs until the workload ends, `maxSteps` steps ran (0 = no limit) or *stop becomes true.
// Returns the number of steps executed. Errors propagate as moe::Error.
int64_t runLoop(Workload& workload, MoeEngine& engine, int64_t maxSteps, const StepSink& sink,
                const std::atomic<bool>* stop = nullptr);

// One rank per process: every process calls this with its BroadcastWorkload. Rank 0 decides
// when the run ends (workload end, `maxSteps`, *stop) and tells the others, which follow it
// step for step and ignore their own maxSteps and stop; so a Ctrl-C that reaches the ranks at
// different steps still ends them all after the same step. `sink` runs on every rank.
int64_t runLoopDistributed(BroadcastWorkload& workload, MoeEngine& engine, int64_t maxSteps,
                           const StepSink& sink, const std::atomic<bool>* stop = nullptr);

}  // namespace moe
