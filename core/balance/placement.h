// Which ranks hold which experts, per layer. An expert may have several replicas (a
// duplication plan); its tokens are then split across them evenly: of the n pairs routed to
// it in a step, the j-th (in global token order) goes to replica floor(j * c / n).
#pragma once

#include <string>
#include <vector>

namespace moe {

class Placement {
public:
    Placement() = default;
    Placement(int layers, int experts, int ranks);

    // Experts 0..E/G-1 on rank 0, the next E/G on rank 1, ... (remainder to the first ranks).
    static Placement contiguous(int layers, int experts, int ranks);

    int layers() const { return layers_; }
    int experts() const { return experts_; }
    int ranks() const { return ranks_; }

    const std::vector<int>& replicas(int layer, int expert) const { return replicas_[idx(layer, expert)]; }
    // Adds a replica of (layer, expert) on `rank`; an existing one is an error.
    void addReplica(int layer, int expert, int rank);
    bool hosts(int layer, int expert, int rank) const;
    std::vector<int> expertsOnRank(int layer, int rank) const;
    // Slots (expert replicas) on a rank in one layer.
    int slotsOnRank(int layer, int rank) const;
    int totalReplicas(int layer) const;

    // Rank that gets the j-th of n pairs of this expert.
    int rankForPair(int layer, int expert, long long j, long long n) const {
        const auto& r = replicas_[idx(layer, expert)];
        if (r.size() == 1 || n <= 0) return r[0];
        return r[static_cast<size_t>(j * static_cast<long long>(r.size()) / n)];
    }

    // Throws moe::Error unless every expert has at least one replica on a valid rank.
    void validate() const;
    std::string describeLayer(int layer) const;

private:
    size_t idx(int l, int e) const { return static_cast<size_t>(l) * experts_ + e; }
    int layers_ = 0, experts_ = 0, ranks_ = 0;
    std::vector<std::vector<int>> replicas_;  // [layer * E + expert] -> ranks, first = home
};

// Parses one "LAYER:EXPERT:RANK" replica (LAYER may be '*' for every layer) and adds it.
void addReplicaSpec(Placement& placement, const std::string& spec);

}  // namespace moe
