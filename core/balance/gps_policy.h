// MoE-GPS duplication (Ma, Du, Chen, arXiv 2506.07366, their Algorithm 1): tokens start on the
// ranks holding their expert; while the hottest and coldest rank differ by more than one
// token, half the gap of the hottest rank's most popular expert moves to the coldest rank,
// copying the expert there first if needed. The result is replicas with uneven token shares.
#pragma once

#include "core/balance/policy.h"

namespace moe {

// Bounds: the copy cap, the memory bound, and budget.slots when > 0 (replicas per layer; 0 =
// no cap here, the two bounds above are Algorithm 1's).
struct GpsOptions {
    int maxCopies = 0;        // copies per expert incl. the home one; 0 = the budget's cap
    int memorySlots = 0;      // expert slots per rank; 0 = from budget.memoryPerRankBytes
    double minGapTokens = 1;  // stop once hottest - coldest <= this (Algorithm 1: one token)
};

class GpsPolicy : public Policy {
public:
    explicit GpsPolicy(GpsOptions options = {}) : options_(options) {}
    std::string name() const override { return "gps"; }
    PolicyResult plan(const PolicyInput& input) override;

private:
    GpsOptions options_;
};

}  // namespace moe
