// See experiment_commands.h.
#include "core/experiment/experiment_commands.h"

namespace moe {

void ExperimentCommands::pause() { paused_ = true; }

void ExperimentCommands::resume() {
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
    }
    wake_.notify_all();
}

void ExperimentCommands::stop() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        paused_ = false;
    }
    wake_.notify_all();
}

void ExperimentCommands::set(const std::string& name, const std::string& value) {
    std::lock_guard lock(mutex_);
    changes_.emplace_back(name, value);
}

std::vector<std::pair<std::string, std::string>> ExperimentCommands::awaitTurn() {
    std::unique_lock lock(mutex_);
    if (paused_) wake_.wait(lock, [this] { return !paused_ || stop_; });
    std::vector<std::pair<std::string, std::string>> out(changes_.begin(), changes_.end());
    changes_.clear();
    return out;
}

}  // namespace moe
