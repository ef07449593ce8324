// MoETuner's transition counts R from per-token routing: exact counts on a hand-made step, the
// loads as marginals on a synthetic workload, and errors on bad ids.
#include <gtest/gtest.h>

#include <vector>

#include "core/balance/transition_counts.h"
#include "core/common/error.h"
#include "core/workload/synthetic_workload.h"

namespace moe {
namespace {

TEST(MoeTunerTransitions, CountsEveryPairOverK) {
    // 3 layers, 4 experts, top-2, 2 tokens. Layout experts[(l * T + t) * k + j].
    const std::vector<int32_t> ids = {0, 1, 2, 3,   // layer 0: token 0 -> {0, 1}, token 1 -> {2, 3}
                                      1, 2, 1, 3,   // layer 1: {1, 2}, {1, 3}
                                      0, 3, 0, 2};  // layer 2: {0, 3}, {0, 2}
    Step step;
    step.tokens = 2;
    step.experts = ids;
    TransitionCounts r(3, 4);
    r.accumulate(step, 2);
    EXPECT_EQ(r.tokens(), 2);
    EXPECT_EQ(r.values().size(), 2u * 4 * 4);
    EXPECT_DOUBLE_EQ(r.at(0, 0, 1), 0.5);  // token 0: (0,1), (0,2), (1,1), (1,2), each 1/2
    EXPECT_DOUBLE_EQ(r.at(0, 1, 2), 0.5);
    EXPECT_DOUBLE_EQ(r.at(0, 2, 1), 0.5);  // token 1: (2,1), (2,3), (3,1), (3,3)
    EXPECT_DOUBLE_EQ(r.at(0, 3, 3), 0.5);
    EXPECT_DOUBLE_EQ(r.at(0, 0, 3), 0.0);
    EXPECT_DOUBLE_EQ(r.at(1, 1, 0), 1.0);  // both tokens go 1 -> 0 between layers 1 and 2
    EXPECT_DOUBLE_EQ(r.at(1, 2, 3), 0.5);
    double total = 0;
    for (double v : r.values()) total += v;
    EXPECT_DOUBLE_EQ(total, 2 * 2 * 2);  // tokens x k per layer pair, 2 pairs
}

TEST(MoeTunerTransitions, MarginalsAreTheLoads) {
    SyntheticParams sp;
    sp.layers = 4;
    sp.experts = 8;
    sp.topK = 2;
    sp.tokensPerStep = 256;
    sp.steps = 3;
    SyntheticWorkload w(sp);
    const RoutingProfile p = profileRouting(w);
    EXPECT_EQ(p.steps, 3);
    EXPECT_EQ(p.tokens, 3 * 256);
    for (int l = 0; l + 1 < p.layers; ++l)
        for (int e = 0; e < p.experts; ++e) {
            double out = 0, in = 0;
            for (int x = 0; x < p.experts; ++x) {
                out += p.transitions.at(l, e, x);
                in += p.transitions.at(l, x, e);
            }
            EXPECT_NEAR(out, p.load[l * p.experts + e], 1e-9);
            EXPECT_NEAR(in, p.load[(l + 1) * p.experts + e], 1e-9);
        }
}

TEST(MoeTunerTransitions, RejectsBadSteps) {
    const std::vector<int32_t> ids = {0, 9, 1, 2};  // expert 9 of 4
    Step step;
    step.tokens = 1;
    step.experts = ids;
    TransitionCounts r(2, 4);
    EXPECT_THROW(r.accumulate(step, 2), Error);
    step.tokens = 2;  // now too few ids for 2 layers x 2 tokens x top-2
    EXPECT_THROW(r.accumulate(step, 2), Error);
    EXPECT_THROW(TransitionCounts(0, 4), Error);
    TransitionCounts other(3, 4);
    EXPECT_THROW(r.add(other), Error);
}

}  // namespace
}  // namespace moe
