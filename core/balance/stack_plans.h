// Plans in the forms serving stacks load: SGLang's --init-expert-location JSON
// (physical_to_logical_map [layers, physical slots], logical_count [layers, experts]) and
// DeepSeek EPLB's maps (phy2log, log2phy, logcnt), so a plan made here can be deployed.
#pragma once

#include <string>
#include <vector>

#include "core/balance/policy.h"

namespace moe {

// The expert of every physical slot per layer: a slot-based plan (EPLB) as planned; any other
// plan rank by rank, each rank's replicas in expert order, when every rank of a layer holds
// the same number of them (SGLang gives each GPU num_physical / num_gpus slots). Throws
// moe::Error naming the layer and the ranks' counts otherwise.
std::vector<std::vector<int>> physicalToLogical(const PolicyResult& plan);

struct EplbMapsOut {
    std::vector<std::vector<int>> phy2log;               // [L][P]
    std::vector<std::vector<std::vector<int>>> log2phy;  // [L][E][max copies], -1 padded
    std::vector<std::vector<int>> logcnt;                // [L][E]
};
EplbMapsOut eplbMaps(const std::vector<std::vector<int>>& phy2log, int experts);

// SGLang's --init-expert-location file: physical_to_logical_map, and logical_count (the loads
// planned from, rounded to whole pairs, layers x experts) for SGLang to plan itself.
std::string sglangExpertLocationJson(const PolicyResult& plan, const std::vector<double>& load,
                                     int layers, int experts);

}  // namespace moe
