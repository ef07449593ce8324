// DeepSeek's expert-parallel load balancer (github.com/deepseek-ai/EPLB, eplb.py), step for
// step: replicate_experts hands the spare slots one at a time to the expert with the largest
// load per replica, balanced_packing puts items, heaviest first, into the lightest pack that
// still has room. Hierarchical when groups divide evenly over nodes (groups to nodes, replicas
// within a node, replicas to the node's GPUs); otherwise the same with one group and one node.
// Arithmetic is in float, like their weight.float(), so ties resolve as theirs do.
#pragma once

#include <vector>

#include "core/balance/policy.h"

namespace moe {

struct EplbParams {
    int replicas = 0;  // physical expert slots per layer, a multiple of gpus
    int groups = 1;    // expert groups; experts must divide evenly into them
    int nodes = 1;
    int gpus = 1;  // a multiple of nodes
};

struct EplbMaps {
    bool hierarchical = false;
    std::vector<std::vector<int>> phy2log;               // [L][P]: expert in each slot
    std::vector<std::vector<int>> phyRank;               // [L][P]: which replica of it
    std::vector<std::vector<std::vector<int>>> log2phy;  // [L][E][maxcnt]: slots, -1 padded
    std::vector<std::vector<int>> logcnt;                // [L][E]: replicas of each expert
};

// `weight` is layers x experts, row-major. Throws moe::Error on sizes EPLB cannot split.
EplbMaps rebalanceExperts(const std::vector<double>& weight, int layers, int experts,
                          const EplbParams& params);

// The placement the maps describe: slot s on GPU s / (P / gpus), two slots of one expert on
// one GPU allowed, replicas in replica-rank order sharing tokens equally.
Placement placementFromMaps(const EplbMaps& maps, int experts, int gpus);

enum class EplbMode { Auto, Global, Hierarchical };

struct EplbOptions {
    int slots = 0;   // 0 = budget.slots, else the smallest multiple of the ranks >= experts
    int groups = 0;  // 0 = budget.groups
    EplbMode mode =
        EplbMode::Auto;  // Auto = DeepSeek's rule (hierarchical iff groups % nodes == 0)
};

class EplbPolicy : public Policy {
public:
    explicit EplbPolicy(EplbOptions options = {}) : options_(options) {}
    std::string name() const override { return "eplb"; }
    PolicyResult plan(const PolicyInput& input) override;
    const EplbMaps& lastMaps() const { return last_; }

private:
    EplbOptions options_;
    EplbMaps last_;
};

}  // namespace moe
