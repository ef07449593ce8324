// HarMoEny-style rescheduling: tokens of the heaviest expert of the most loaded rank go to the
// least loaded one when fetching its weights costs less than the compute the move saves.
#include <gtest/gtest.h>

#include "core/balance/harmoeny_policy.h"
#include "tests/core/balance/policy_test_util.h"

namespace moe {
namespace {

using testing::maxOf;

const std::vector<double> kLoad = {100, 20, 10, 10};  // contiguous on 2 ranks: 120 / 20

PolicyInput input(size_t expertBytes) {
    PolicyInput in = testing::makeInput(1, 4, 2, kLoad);
    in.expertBytes = expertBytes;
    return in;
}

TEST(Harmoeny, MovesToTheAverageWhenTheFetchPays) {
    // 1 MB at 50 GB/s = 20 us to fetch; moving 50 tokens saves 50 us at 1 us a token.
    const PolicyResult r = HarmoenyPolicy().plan(input(1'000'000));
    EXPECT_EQ(r.placement.rankLoads(0, kLoad), (std::vector<double>{70, 70}));
    EXPECT_EQ(r.placement.replicas(0, 0), (std::vector<int>{0, 1}));
}

TEST(Harmoeny, KeepsTokensWhenTheFetchCostsMore) {
    // 1 GB at 50 GB/s = 20 ms, far more than 50 us of compute: nothing moves.
    const PolicyResult r = HarmoenyPolicy().plan(input(1'000'000'000));
    EXPECT_EQ(r.placement.rankLoads(0, kLoad), (std::vector<double>{120, 20}));
    EXPECT_EQ(r.placement.totalReplicas(0), 4);
    // A slower token (1 ms) makes the same fetch worth it.
    HarmoenyOptions o;
    o.tokenSeconds = 1e-3;
    EXPECT_EQ(HarmoenyPolicy(o).plan(input(1'000'000'000)).placement.rankLoads(0, kLoad),
              (std::vector<double>{70, 70}));
}

TEST(Harmoeny, UsesAnExistingReplicaWithoutFetching) {
    // Expert 0 already has an idle replica on rank 1: moving needs no fetch, whatever it costs.
    Placement current = Placement::contiguous(1, 4, 2);
    current.addReplica(0, 0, 1);
    current.setShares(0, 0, {1, 0});
    PolicyInput in = input(1'000'000'000);
    in.current = &current;
    const PolicyResult r = HarmoenyPolicy().plan(in);
    EXPECT_EQ(r.placement.rankLoads(0, kLoad), (std::vector<double>{70, 70}));
    EXPECT_EQ(r.movedBytes, 0u);
}

TEST(Harmoeny, ReducesImbalanceOnZipfLoads) {
    const int L = 4, E = 32, G = 8;
    const std::vector<double> load = testing::zipfLoads(L, E, 8192, 1.2, 11);
    PolicyInput in = testing::makeInput(L, E, G, load);
    in.expertBytes = 1'000'000;
    const PolicyResult r = HarmoenyPolicy().plan(in);
    const Placement base = Placement::contiguous(L, E, G);
    for (int l = 0; l < L; ++l) {
        const std::vector<double> row(load.begin() + l * E, load.begin() + (l + 1) * E);
        EXPECT_LT(maxOf(r.placement.rankLoads(l, row)), maxOf(base.rankLoads(l, row)));
    }
}

}  // namespace
}  // namespace moe
