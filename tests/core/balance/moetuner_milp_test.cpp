// The CBC wrapper on problems whose answers are known by hand: an integer optimum, an
// infeasible model, a warm start, repeated matrix entries, and malformed input.
#include "core/balance/moetuner_milp.h"

#include <gtest/gtest.h>

#include "core/common/error.h"

namespace moe {
namespace {

// max 5x + 4y + 3z  s.t.  2x + 3y + z <= 5,  4x + y + 2z <= 11,  3x + 4y + 2z <= 8,
// x, y, z integer in [0, 10]: the optimum is 13 at (2, 0, 1) (as a minimisation, -13).
MilpProblem smallIp() {
    MilpProblem p;
    for (double c : {-5.0, -4.0, -3.0}) p.addColumn(0, 10, c, true);
    const double a[3][3] = {{2, 3, 1}, {4, 1, 2}, {3, 4, 2}};
    const double b[3] = {5, 11, 8};
    for (int i = 0; i < 3; ++i) {
        const int r = p.addRow(-MilpProblem::kInf, b[i]);
        for (int j = 0; j < 3; ++j) p.add(r, j, a[i][j]);
    }
    return p;
}

TEST(MoeTunerMilp, KnownOptimum) {
    MilpOptions o;
    o.relativeGap = 0;
    const MilpSolution s = solveMilp(smallIp(), o);
    ASSERT_EQ(s.status, MilpStatus::Optimal) << toString(s.status);
    EXPECT_NEAR(s.objective, -13, 1e-6);
    EXPECT_NEAR(s.bestBound, -13, 1e-6);
    EXPECT_EQ(s.gap, 0);
    ASSERT_EQ(s.values.size(), 3u);
    EXPECT_NEAR(s.values[0], 2, 1e-6);
    EXPECT_NEAR(s.values[1], 0, 1e-6);
    EXPECT_NEAR(s.values[2], 1, 1e-6);
    EXPECT_GE(s.seconds, 0);
}

TEST(MoeTunerMilp, LinearRelaxationDiffers) {
    // The same problem with continuous columns has a better (lower) optimum: integrality counts.
    MilpProblem p = smallIp();
    for (auto& c : p.columns) c.integer = false;
    const MilpSolution s = solveMilp(p);
    ASSERT_TRUE(s.feasible());
    EXPECT_LT(s.objective, -13 + 1e-9);
}

TEST(MoeTunerMilp, Infeasible) {
    MilpProblem p;
    const int x = p.addColumn(0, 1, 1, true), y = p.addColumn(0, 1, 1, true);
    const int r = p.addRow(3, MilpProblem::kInf);  // x + y >= 3 with binaries
    p.add(r, x, 1);
    p.add(r, y, 1);
    const MilpSolution s = solveMilp(p);
    EXPECT_EQ(s.status, MilpStatus::Infeasible);
    EXPECT_FALSE(s.feasible());
}

TEST(MoeTunerMilp, RepeatedEntriesAddUp) {
    // min x s.t. (1 + 1) x >= 3, x integer: x = 2 only if the two entries are summed.
    MilpProblem p;
    const int x = p.addColumn(0, 10, 1, true);
    const int r = p.addRow(3, MilpProblem::kInf);
    p.add(r, x, 1);
    p.add(r, x, 1);
    const MilpSolution s = solveMilp(p);
    ASSERT_TRUE(s.feasible());
    EXPECT_NEAR(s.values[x], 2, 1e-9);
}

TEST(MoeTunerMilp, WarmStartIsKeptOrImproved) {
    MilpProblem p = smallIp();
    p.start = {1, 1, 0};  // feasible, objective -9
    const MilpSolution s = solveMilp(p);
    ASSERT_TRUE(s.feasible());
    EXPECT_LE(s.objective, -9 + 1e-9);
}

TEST(MoeTunerMilp, MalformedProblemsThrow) {
    MilpProblem p = smallIp();
    p.add(7, 0, 1.0);  // no row 7
    EXPECT_THROW(solveMilp(p), Error);
    MilpProblem q = smallIp();
    q.columns[0].lower = 5;
    q.columns[0].upper = 1;
    EXPECT_THROW(solveMilp(q), Error);
    MilpProblem s = smallIp();
    s.start = {1};
    EXPECT_THROW(solveMilp(s), Error);
}

TEST(MoeTunerMilp, SolvesOnce) {
    CbcMilp m(smallIp());
    m.solve({});
    EXPECT_THROW(m.solve({}), Error);
}

}  // namespace
}  // namespace moe
