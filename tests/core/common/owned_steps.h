// Steps copied out of a workload: a workload's step views live only until its next step, and
// tests run steps later, twice, or on several engines. Only the expert ids are kept.
#pragma once

#include <cstdint>
#include <vector>

#include "core/workload/workload.h"

namespace moe::test {

struct OwnedStep {
    std::vector<int32_t> experts;
    Step step;
};

// Up to n steps of `w` (fewer if it ends first).
inline std::vector<OwnedStep> ownedSteps(Workload& w, int n) {
    std::vector<OwnedStep> out;
    out.reserve(static_cast<size_t>(n));  // no reallocation: each step views its own ids
    Step s;
    while (static_cast<int>(out.size()) < n && w.next(s)) {
        OwnedStep& o = out.emplace_back();
        o.experts.assign(s.experts.begin(), s.experts.end());
        o.step = Step{s.index, s.tokens, {}, {}, {}, {}, {}, {}};
        o.step.experts = o.experts;
    }
    return out;
}

}  // namespace moe::test
