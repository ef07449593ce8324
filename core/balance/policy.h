// One interface for every duplication and placement policy (methods.md sections 2-4): from
// a load forecast per layer and expert, the cluster and the budgets, decide where each
// expert's replicas live and how its tokens split between them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/balance/placement.h"

namespace moe {

struct Cluster {
    int ranks = 4;
    int nodes = 1;                     // ranks are split evenly over nodes, in order
    std::vector<double> bandwidthGBs;  // ranks x ranks link bandwidth in GB/s; empty = uniform
    int nodeOf(int rank) const { return rank / (ranks / nodes); }
};

struct PolicyBudget {
    int slots = 0;                  // expert slots per layer over all ranks; 0 = one per expert
    int maxCopiesPerExpert = 0;     // 0 = no cap
    double memoryPerRankBytes = 0;  // expert weights a rank may hold; 0 = no bound
    int maxMovedExperts = -1;  // per layer and rebalance, against the current placement; -1 = any
    int groups = 1;            // expert groups (EPLB's hierarchical policy)
};

struct PolicyInput {
    int layers = 0;
    int experts = 0;
    std::vector<double> load;  // layers x experts: forecast tokens (or shares) per expert
    Cluster cluster;
    PolicyBudget budget;
    const Placement* current = nullptr;  // what runs now (for migration limits), or nullptr
    size_t expertBytes = 0;              // weights of one expert, for memory bounds and moved bytes
    // Tokens going from expert e1 of layer l to expert e2 of layer l+1, (layers-1) x E x E,
    // from per-token traces (MoETuner's R); nullptr when unknown.
    const std::vector<double>* transitions = nullptr;
    // > 0 when `load` holds shares: the token-expert pairs per layer they stand for. Policies
    // that count whole tokens (gps, harmoeny) or cost them (fastermoe) multiply by it.
    double tokensPerLayer = 0;

    double loadAt(int l, int e) const { return load[static_cast<size_t>(l) * experts + e]; }
};

struct PolicyResult {
    Placement placement;
    std::vector<int> movedExperts;  // per layer, against input.current (0 without one)
    size_t movedBytes = 0;          // weight bytes copied to ranks that gain a replica
    std::string notes;              // solver status, gap, time limits hit, ...
    // Slot-based policies (EPLB): per layer, the expert of each physical slot (DeepSeek's
    // phy2log), slot s on rank s / (slots / ranks). Empty for policies without fixed slots.
    std::vector<std::vector<int>> slotExperts;
};

class Policy {
public:
    virtual ~Policy() = default;
    virtual std::string name() const = 0;
    virtual PolicyResult plan(const PolicyInput& input) = 0;
    // True when plan() needs PolicyInput::transitions. Counting them costs a pass over every
    // token's routing, so front ends do it only for the policies that ask.
    virtual bool needsTransitions() const { return false; }
};

}  // namespace moe
