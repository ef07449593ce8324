// Whole tokens of one layer held per (expert, rank): the state MoE-GPS's Algorithm 1 and
// HarMoEny's rescheduling both move tokens around in. It starts from a placement (tokens of a
// replicated expert split by its shares), tracks which ranks hold a copy of which expert, and
// writes the result back as replicas with uneven shares.
#pragma once

#include <vector>

#include "core/balance/placement.h"

namespace moe {

class TokenTable {
public:
    // Rounds load[e] * share to whole tokens per replica (the largest replica takes the rest).
    TokenTable(const Placement& start, int layer, const std::vector<double>& load);

    int experts() const { return experts_; }
    int ranks() const { return ranks_; }
    double tokens(int expert, int rank) const { return tokens_[idx(expert, rank)]; }
    double rankLoad(int rank) const { return rankLoad_[rank]; }
    bool holds(int expert, int rank) const { return holds_[idx(expert, rank)] != 0; }
    int copies(int expert) const { return copies_[expert]; }
    int slots(int rank) const { return slots_[rank]; }
    int totalSlots() const { return totalSlots_; }
    int hottestRank() const;
    // Ranks other than `except`, coolest first (ties: lower rank first).
    std::vector<int> ranksByLoad(int except) const;
    // Experts with tokens on `rank`, most tokens first (ties: lower expert first).
    std::vector<int> expertsByTokens(int rank) const;
    // Rank whose copy of `expert` came first (its home): where fetched weights come from.
    int homeOf(int expert) const { return home_[expert]; }

    // Moves `amount` tokens of `expert` from rank `from` to `to`, copying the expert to `to`
    // first when it lacks one.
    void move(int expert, int from, int to, double amount);

    // Writes this layer into `out`: the start's replicas (kept even when emptied, their weights
    // are already there) then new copies that ended with tokens; shares = tokens / total.
    void writeLayer(Placement& out, int layer) const;

private:
    size_t idx(int e, int r) const { return static_cast<size_t>(e) * ranks_ + r; }
    int experts_ = 0, ranks_ = 0, totalSlots_ = 0;
    std::vector<double> tokens_;
    std::vector<char> holds_, original_;
    std::vector<double> rankLoad_;
    std::vector<int> copies_, slots_, home_;
    std::vector<std::vector<int>> order_;  // per expert: ranks in the order they got a copy
};

}  // namespace moe
