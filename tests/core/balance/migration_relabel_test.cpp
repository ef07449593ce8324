// Migration-aware relabelling: the assignment is optimal, a plan that is a renaming of the
// current placement moves nothing after it, and no rank's load changes, only its name.
#include "core/balance/migration_relabel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "core/balance/policy_util.h"

namespace moe {
namespace {

TEST(MigrationRelabel, AssignmentIsTheBestOfAllPermutations) {
    const int n = 4;
    const std::vector<double> gain = {3, 1, 0, 2,  //
                                      0, 4, 1, 1,  //
                                      2, 2, 5, 0,  //
                                      1, 0, 3, 6};
    const std::vector<int> got = bestAssignment(gain, n);
    std::vector<int> perm(n);
    std::iota(perm.begin(), perm.end(), 0);
    double best = -1;
    do {
        double g = 0;
        for (int a = 0; a < n; ++a) g += gain[a * n + perm[a]];
        best = std::max(best, g);
    } while (std::next_permutation(perm.begin(), perm.end()));
    double total = 0;
    for (int a = 0; a < n; ++a) total += gain[a * n + got[a]];
    EXPECT_EQ(total, best);
    std::vector<int> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
}

TEST(MigrationRelabel, ARenamedPlanMovesNothing) {
    const Placement current = Placement::contiguous(2, 8, 4);
    // The same groups of experts, on rotated ranks, with one replica added.
    Placement planned(2, 8, 4);
    for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 8; ++e) planned.addReplica(l, e, (e / 2 + 1) % 4);
    planned.addReplica(1, 3, 3);
    const std::vector<double> load(16, 1.0);
    const size_t bytes = 100;
    const auto before = layerChanges(current, planned, load, bytes);
    const Placement relabelled = relabelForFewestMoves(current, planned);
    const auto after = layerChanges(current, relabelled, load, bytes);
    EXPECT_EQ(before[0].movedExperts, 8);
    EXPECT_EQ(after[0].movedExperts, 0);
    EXPECT_EQ(after[1].movedExperts, 1);  // only the new replica
    // Each rank's load is some rank's load of the plan: balance is untouched.
    for (int l = 0; l < 2; ++l) {
        std::vector<double> a = planned.rankLoads(l, std::vector<double>(8, 1.0));
        std::vector<double> b = relabelled.rankLoads(l, std::vector<double>(8, 1.0));
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        EXPECT_EQ(a, b) << "layer " << l;
    }
}

}  // namespace
}  // namespace moe
