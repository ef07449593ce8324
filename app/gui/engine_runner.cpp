// See engine_runner.h. Every exception of the engine thread is caught here and turned into
// the Failed state plus a message, so a bad trace or spec never takes the window down; a store
// that cannot be opened is a warning and the run goes on unrecorded (the experiment's
// recordingOptional).
#include "app/gui/engine_runner.h"

#include <exception>

#include "app/shared/experiment_backend.h"
#include "core/experiment/experiment.h"

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
        names_.clear();
        initialCounts_.clear();
        experts_ = 0;
        databasePath_.clear();
        scores_.clear();
        policy_ = {};
        warnings_.clear();
    }
    {
        std::lock_guard lock(commandsMutex_);
        stopAsked_ = false;
    }
    runId_ = 0;
    state_ = RunState::Running;
    thread_ = std::thread([this, config] { run(config); });
}

void EngineRunner::pause() {
    std::lock_guard lock(commandsMutex_);
    if (state_ != RunState::Running || !commands_) return;
    commands_->pause();
    state_ = RunState::Paused;
}

void EngineRunner::resume() {
    std::lock_guard lock(commandsMutex_);
    if (state_ != RunState::Paused || !commands_) return;
    commands_->resume();
    state_ = RunState::Running;
}

void EngineRunner::stop() {
    {
        std::lock_guard lock(commandsMutex_);
        stopAsked_ = true;
        if (commands_) commands_->stop();
    }
    if (thread_.joinable()) thread_.join();
}

void EngineRunner::set(const std::string& name, const std::string& value) {
    std::lock_guard lock(commandsMutex_);
    if (commands_) commands_->set(name, value);
}

int64_t EngineRunner::drain(std::vector<Frame>& out) {
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

std::vector<std::string> EngineRunner::predictorNames() const {
    std::lock_guard lock(mutex_);
    return names_;
}

std::vector<int> EngineRunner::initialReplicaCounts(int& experts) const {
    std::lock_guard lock(mutex_);
    experts = experts_;
    return initialCounts_;
}

std::vector<int> EngineRunner::modelLayers() const {
    std::lock_guard lock(mutex_);
    return modelLayers_;
}

std::string EngineRunner::description() const {
    std::lock_guard lock(mutex_);
    return description_;
}

std::string EngineRunner::databasePath() const {
    std::lock_guard lock(mutex_);
    return databasePath_;
}

std::vector<PredictorScoreRow> EngineRunner::predictorScores() const {
    std::lock_guard lock(mutex_);
    return scores_;
}

PolicyScoreRow EngineRunner::policyScore() const {
    std::lock_guard lock(mutex_);
    return policy_;
}

std::vector<std::string> EngineRunner::takeWarnings() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    out.swap(warnings_);
    return out;
}

void EngineRunner::warn(const std::string& message) {
    std::lock_guard lock(mutex_);
    warnings_.push_back(message);
}

void EngineRunner::push(Frame&& f) {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
        ++dropped_;
        return;
    }
    queue_.push_back(std::move(f));
}

void EngineRunner::run(ExperimentConfig config) {
    std::unique_ptr<Experiment> experiment;
    RunState ended = RunState::Finished;
    try {
        ExperimentEnvironment env;
        env.chooseBackend = app::experimentBackendChooser();
        env.notice = [this](const std::string& note) { warn(note); };
        env.recordingOptional = true;
        experiment = std::make_unique<Experiment>(config, env);
        {
            std::lock_guard lock(commandsMutex_);
            commands_ = &experiment->commands();
            if (stopAsked_) commands_->stop();
        }
        experiment->open();
        Experiment& e = *experiment;
        {
            std::lock_guard lock(mutex_);
            const std::string rebalance = e.rebalanceDescription();
            description_ = e.workloadDescription() + " | " + e.engineDescription() +
                           (rebalance.empty() ? "" : " | " + rebalance);
            names_ = e.predictorNames();
            initialCounts_ = e.initialReplicaCounts(experts_);
            modelLayers_ = e.shape().modelLayers;
            databasePath_ = e.databasePath();
        }
        runId_ = e.runId();
        auto publishScores = [this, &e] {
            std::vector<PredictorScoreRow> rows = e.predictorScores();
            PolicyScoreRow pol = e.policyScore();
            std::lock_guard lock(mutex_);
            scores_ = std::move(rows);
            policy_ = std::move(pol);
        };
        int64_t done = 0;
        e.run([&](const ExperimentFrame& f) {
            push(ExperimentFrame(f));
            if (++done % 25 == 0) publishScores();
        });
        publishScores();
    } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        error_ = e.what();
        ended = RunState::Failed;
    }
    // Under the lock pause() and resume() take: a pause that meets the run's end either
    // lands before it (and is overwritten here) or finds no commands and does nothing, so a
    // finished run never reads as paused.
    std::lock_guard lock(commandsMutex_);
    commands_ = nullptr;
    state_ = ended;
}

}  // namespace moe::gui
