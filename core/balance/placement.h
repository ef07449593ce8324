// Which ranks hold which experts, per layer. An expert may have several replicas (a
// duplication plan; EPLB may even put two on one rank). Its tokens are split across them by
// each replica's share (equal unless a policy says otherwise, as MoE-GPS and HarMoEny move
// given token counts): of the n pairs routed to it in a step, in global token order, replica i
// takes pairs [ceil(n * C_i), ceil(n * C_(i+1))), C_i = the sum of the shares before it.
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

    const std::vector<int>& replicas(int layer, int expert) const {
        return replicas_[idx(layer, expert)];
    }
    // Token shares of the replicas, same order as replicas(); they sum to 1.
    const std::vector<double>& shares(int layer, int expert) const {
        return shares_[idx(layer, expert)];
    }
    // Adds a replica of (layer, expert) on `rank`; all replicas then share tokens equally.
    // A second replica on the same rank is an error unless `allowSameRank`.
    void addReplica(int layer, int expert, int rank, bool allowSameRank = false);
    // Sets the replicas' token shares (normalised to sum 1; all must be >= 0, one > 0).
    void setShares(int layer, int expert, std::vector<double> shares);
    // First pair index (of n) that replica i takes; boundary(i = count) = n.
    long long boundary(int layer, int expert, size_t i, long long n) const;
    // All of them at once, out[i] = boundary(i) for i = 0..count (count + 1 values), in one
    // pass over the shares instead of one per replica: the replays call this per expert.
    void boundaries(int layer, int expert, long long n, std::vector<long long>& out) const;
    bool hosts(int layer, int expert, int rank) const;
    std::vector<int> expertsOnRank(int layer, int rank) const;
    // Slots (expert replicas) on a rank in one layer.
    int slotsOnRank(int layer, int rank) const;
    int totalReplicas(int layer) const;

    // Rank that gets the j-th of n pairs of this expert.
    int rankForPair(int layer, int expert, long long j, long long n) const {
        const auto& r = replicas_[idx(layer, expert)];
        if (r.size() == 1 || n <= 0) return r[0];
        size_t i = 0;
        while (i + 1 < r.size() && j >= boundary(layer, expert, i + 1, n)) ++i;
        return r[i];
    }
    // Expected token-expert pairs per rank of one layer when expert e gets load[e] pairs.
    std::vector<double> rankLoads(int layer, const std::vector<double>& load) const;
    // Experts whose replica set differs from `before` in this layer, and the weight bytes that
    // must move (one expert's bytes per replica a rank gains).
    int movedExperts(const Placement& before, int layer) const;
    int addedReplicas(const Placement& before, int layer) const;

    // Throws moe::Error unless every expert has at least one replica on a valid rank.
    void validate() const;
    std::string describeLayer(int layer) const;

private:
    size_t idx(int l, int e) const { return static_cast<size_t>(l) * experts_ + e; }
    int layers_ = 0, experts_ = 0, ranks_ = 0;
    std::vector<std::vector<int>> replicas_;   // [layer * E + expert] -> ranks, first = home
    std::vector<std::vector<double>> shares_;  // same shape: token share of each replica
};

// Parses one "LAYER:EXPERT:RANK" replica (LAYER may be '*' for every layer) and adds it.
void addReplicaSpec(Placement& placement, const std::string& spec);

}  // namespace moe
