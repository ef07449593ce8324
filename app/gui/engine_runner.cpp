// See engine_runner.h. Every exception of the engine thread is caught here and turned into
// the Failed state plus a message, so a bad trace or spec never takes the window down.
#include "app/gui/engine_runner.h"

#include <exception>
#include <memory>

#include "core/engine/moe_engine.h"
#include "core/engine/run_loop.h"
#include "core/workload/batching.h"
#include "core/workload/workload_factory.h"

namespace moe::gui {

EngineRunner::~EngineRunner() { stop(); }

void EngineRunner::start(const ExperimentConfig& config) {
    stop();
    {
        std::lock_guard lock(mutex_);
        queue_.clear();
        dropped_ = 0;
        error_.clear();
        description_.clear();
    }
    stop_ = false;
    paused_ = false;
    state_ = RunState::Running;
    thread_ = std::thread([this, config] { run(config); });
}

void EngineRunner::pause() {
    if (state_ != RunState::Running) return;
    paused_ = true;
    state_ = RunState::Paused;
}

void EngineRunner::resume() {
    if (state_ != RunState::Paused) return;
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
        state_ = RunState::Running;
    }
    pauseCv_.notify_all();
}

void EngineRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        paused_ = false;
    }
    pauseCv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

int64_t EngineRunner::drain(std::vector<StepTelemetry>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    out.swap(queue_);
    const int64_t dropped = dropped_;
    dropped_ = 0;
    return dropped;
}

std::string EngineRunner::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

std::string EngineRunner::description() const {
    std::lock_guard lock(mutex_);
    return description_;
}

void EngineRunner::push(const StepTelemetry& t) {
    StepTelemetry copy = t;  // copied outside the lock
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
        ++dropped_;
        return;
    }
    queue_.push_back(std::move(copy));
}

void EngineRunner::run(ExperimentConfig config) {
    try {
        WorkloadOptions options;
        options.spec = config.workload;
        options.batching = parseBatching(config.batching);
        if (options.batching == Batching::Tokens)
            options.tokensPerStep = config.batchSize;
        else
            options.batch = config.batchSize;
        options.maxSteps = config.steps;
        options.seed = config.seed;
        auto workload = openWorkload(options);

        EngineConfig engineConfig;
        engineConfig.layer.hidden = config.hidden;
        engineConfig.layer.ffn = config.ffn;
        engineConfig.ranks = config.ranks;
        engineConfig.seed = config.seed;
        MoeEngine engine(engineConfig, workload->shape());
        {
            std::lock_guard lock(mutex_);
            description_ = workload->describe() + " | " + engine.describe();
        }
        runLoop(
            *workload, engine, config.steps,
            [this](const StepTelemetry& t) {
                push(t);
                if (paused_) {
                    std::unique_lock lock(mutex_);
                    pauseCv_.wait(lock, [this] { return !paused_ || stop_; });
                }
            },
            &stop_);
        state_ = RunState::Finished;
    } catch (const std::exception& e) {
        {
            std::lock_guard lock(mutex_);
            error_ = e.what();
        }
        state_ = RunState::Failed;
    }
}

}  // namespace moe::gui
