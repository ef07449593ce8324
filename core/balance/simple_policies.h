// The two placements without duplication that every other policy is measured against:
// contiguous (MoETuner's and EPLB's baseline: experts 0..E/G-1 on rank 0, ...) and round-robin
// (expert e on rank e mod G, which spreads neighbouring, often similarly hot, experts apart).
#pragma once

#include "core/balance/policy.h"

namespace moe {

class ContiguousPolicy : public Policy {
public:
    std::string name() const override { return "contiguous"; }
    PolicyResult plan(const PolicyInput& input) override;
};

class RoundRobinPolicy : public Policy {
public:
    std::string name() const override { return "round_robin"; }
    PolicyResult plan(const PolicyInput& input) override;
};

}  // namespace moe
