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
    std::vector<OwnedStep> out(static_cast<size_t>(n));
    Step s;
    for (int i = 0; i < n && w.next(s); ++i) {
        out[i].experts.assign(s.experts.begin(), s.experts.end());
        out[i].step = Step{s.index, s.tokens, {}, {}, {}, {}, {}, {}};
        out[i].step.experts = out[i].experts;
    }
    return out;
}

}  // namespace moe::test
