// See token_table.h.
#include "core/balance/token_table.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace moe {

TokenTable::TokenTable(const Placement& start, int layer, const std::vector<double>& load)
    : experts_(start.experts()),
      ranks_(start.ranks()),
      tokens_(static_cast<size_t>(experts_) * ranks_, 0.0),
      holds_(tokens_.size(), 0),
      original_(tokens_.size(), 0),
      rankLoad_(ranks_, 0.0),
      copies_(experts_, 0),
      slots_(ranks_, 0),
      home_(experts_, 0),
      order_(experts_) {
    for (int e = 0; e < experts_; ++e) {
        const auto& reps = start.replicas(layer, e);
        const auto& shares = start.shares(layer, e);
        if (reps.empty()) throw Error("expert " + std::to_string(e) + " is on no rank");
        const double total = std::round(load[e]);
        double given = 0;
        size_t biggest = 0;
        for (size_t i = 0; i < reps.size(); ++i) {
            const int r = reps[i];
            if (!holds_[idx(e, r)]) {
                holds_[idx(e, r)] = original_[idx(e, r)] = 1;
                order_[e].push_back(r);
                ++copies_[e];
                ++slots_[r];
                ++totalSlots_;
            }
            const double t = std::floor(total * shares[i]);
            tokens_[idx(e, r)] += t;
            given += t;
            if (shares[i] > shares[biggest]) biggest = i;
        }
        tokens_[idx(e, reps[biggest])] += total - given;  // rounding rest, so the sum is exact
        home_[e] = reps[0];
    }
    for (int e = 0; e < experts_; ++e)
        for (int r = 0; r < ranks_; ++r) rankLoad_[r] += tokens_[idx(e, r)];
}

int TokenTable::hottestRank() const {
    return static_cast<int>(std::max_element(rankLoad_.begin(), rankLoad_.end()) -
                            rankLoad_.begin());
}

std::vector<int> TokenTable::ranksByLoad(int except) const {
    std::vector<int> out;
    for (int r = 0; r < ranks_; ++r)
        if (r != except) out.push_back(r);
    std::stable_sort(out.begin(), out.end(),
                     [&](int a, int b) { return rankLoad_[a] < rankLoad_[b]; });
    return out;
}

std::vector<int> TokenTable::expertsByTokens(int rank) const {
    std::vector<int> out;
    for (int e = 0; e < experts_; ++e)
        if (tokens_[idx(e, rank)] > 0) out.push_back(e);
    std::stable_sort(out.begin(), out.end(),
                     [&](int a, int b) { return tokens_[idx(a, rank)] > tokens_[idx(b, rank)]; });
    return out;
}

void TokenTable::move(int expert, int from, int to, double amount) {
    if (amount <= 0 || amount > tokens_[idx(expert, from)])
        throw Error("token move of " + std::to_string(amount) + " tokens of expert " +
                    std::to_string(expert) + " is out of range");
    if (!holds_[idx(expert, to)]) {
        holds_[idx(expert, to)] = 1;
        order_[expert].push_back(to);
        ++copies_[expert];
        ++slots_[to];
        ++totalSlots_;
    }
    tokens_[idx(expert, from)] -= amount;
    tokens_[idx(expert, to)] += amount;
    rankLoad_[from] -= amount;
    rankLoad_[to] += amount;
}

void TokenTable::writeLayer(Placement& out, int layer) const {
    for (int e = 0; e < experts_; ++e) {
        std::vector<double> shares;
        double total = 0;
        for (int r : order_[e]) {
            const double t = tokens_[idx(e, r)];
            if (!original_[idx(e, r)] && t <= 0) continue;  // a copy that was drained again
            out.addReplica(layer, e, r);
            shares.push_back(t);
            total += t;
        }
        if (total > 0) out.setShares(layer, e, std::move(shares));
    }
}

}  // namespace moe
