// See experiment_config.h: the text form of the horizon list the panel edits.
#include "app/gui/experiment_config.h"

#include <sstream>

#include "core/common/error.h"

namespace moe::gui {

ExperimentConfig defaultGuiConfig() {
    ExperimentConfig c;
    c.frontEnd = "gui";
    c.workload.spec = "trace:gpt-oss-20b";
    c.workload.batching = "continuous";
    c.workload.batch = 64;
    c.workload.steps = 0;
    c.model.ranks = 4;
    c.prediction.predictors = {"sw_avg:window=100", "arima:p=5,d=1,q=5,history=100,refit=100",
                               "dist_only:profile_steps=50"};
    c.prediction.horizons = {1, 10};
    c.prediction.phases = true;
    c.rebalance.policy = "eplb";
    c.rebalance.extraSlots = 8;
    c.rebalance.every = 50;
    c.recording.tags = {"gui"};
    return c;
}

ExperimentConfig uiBenchConfig(int64_t steps) {
    ExperimentConfig c = defaultGuiConfig();
    // Few tokens, tiny FFNs and one rank: the point is the GUI's load, not the FFNs'. On two
    // cores the GUI thread needs one; rank threads meeting at every layer's all-to-all would
    // hold the engine under the 2,000 steps/s the goal asks for.
    c.workload.spec = "synthetic:layers=24,experts=32,top_k=4,tokens=16,skew=2,drift=0.01,steps=" +
                      std::to_string(steps);
    c.workload.batching = "tokens";
    c.workload.tokensPerStep = 16;
    c.model.ranks = 1;
    c.model.hidden = 8;
    c.model.ffn = 8;
    c.workload.steps = steps;
    c.prediction.predictors = {"last",
                               "ema:alpha=0.1",
                               "ema:alpha=0.3",
                               "sw_avg:window=10",
                               "sw_avg:window=100",
                               "dist_only:profile_steps=50"};
    c.prediction.horizons = {1};
    c.prediction.phases = true;
    c.rebalance.policy = "none";
    c.recording.record = false;
    return c;
}

std::vector<int> parseHorizons(const std::string& text) {
    std::vector<int> out;
    std::string item;
    std::istringstream in(text);
    while (std::getline(in, item, ',')) {
        const auto b = item.find_first_not_of(" \t");
        if (b == std::string::npos) continue;
        const auto e = item.find_last_not_of(" \t");
        const std::string v = item.substr(b, e - b + 1);
        size_t used = 0;
        int h = 0;
        try {
            h = std::stoi(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != v.size() || h < 1 || h > 100000)
            throw Error("horizons: '" + v + "' is not a number of steps from 1 to 100000");
        out.push_back(h);
    }
    if (out.empty()) throw Error("horizons: give at least one, e.g. 1, 10, 100");
    return out;
}

std::string formatHorizons(const std::vector<int>& horizons) {
    std::string s;
    for (size_t i = 0; i < horizons.size(); ++i) s += (i ? ", " : "") + std::to_string(horizons[i]);
    return s;
}

}  // namespace moe::gui
