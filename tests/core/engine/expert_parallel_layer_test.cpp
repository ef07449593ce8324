// The rank-parallel layer must compute exactly what the single-rank layer computes, whatever
// the rank count, placement, replication and capacity; and replicas must share rows evenly.
#include "core/engine/expert_parallel_layer.h"

#include <gtest/gtest.h>

#include <random>

#include "core/comm/inproc_group.h"
#include "core/comm/rank_runner.h"
#include "core/model/cpu_backend.h"
#include "core/model/moe_layer.h"

namespace moe {
namespace {

struct ParallelRun {
    std::vector<float> y;
    std::vector<RankLayerStats> stats;
    std::vector<int64_t> counts;
    int64_t dropped = 0;
};

ParallelRun runParallel(const MoeLayerConfig& c, const LayerWeights& w, const Placement& p,
                        const std::vector<float>& x, int T, const int32_t* forced) {
    const int G = p.ranks(), H = c.hidden, k = c.topK;
    InProcessGroup group(G);
    RankRunner runner(G, 1);
    std::vector<CpuBackend> backends(G);
    ParallelRun out;
    out.y.assign(static_cast<size_t>(T) * H, 0);
    out.stats.resize(G);
    // The layers outlive the run: a rank's peers may read its buffers after its forward returns.
    std::vector<std::unique_ptr<ExpertParallelLayer>> layers;
    for (int r = 0; r < G; ++r)
        layers.push_back(std::make_unique<ExpertParallelLayer>(group.rank(r), backends[r]));
    runner.run([&](int r) {
        const int first = T * r / G, count = T * (r + 1) / G - first;
        ExpertParallelLayer& layer = *layers[r];
        std::vector<int64_t> counts;
        int64_t dropped = 0;
        LayerInputs in{&c,
                       &w,
                       &p,
                       0,
                       x.data() + static_cast<size_t>(first) * H,
                       count,
                       forced ? forced + static_cast<size_t>(first) * k : nullptr};
        layer.forward(
            in, {out.y.data() + static_cast<size_t>(first) * H, &counts, &dropped, &out.stats[r]});
        if (r == 0) {
            out.counts = counts;
            out.dropped = dropped;
        }
    });
    return out;
}

struct LayerFixture {
    MoeLayerConfig c;
    int T = 53;
    std::vector<float> x;
    std::vector<int32_t> forced;
    std::unique_ptr<ModelWeights> w;

    explicit LayerFixture(double capacity = 0, bool skewedForced = false) {
        c.hidden = 32;
        c.ffn = 64;
        c.experts = 8;
        c.topK = 2;
        c.capacityFactor = capacity;
        w = std::make_unique<ModelWeights>(c, 1, 9);
        x.resize(static_cast<size_t>(T) * c.hidden);
        ModelWeights::fill(x, x.size(), 1, 11);
        if (skewedForced)  // every token picks expert 0 first: a hot expert
            for (int t = 0; t < T; ++t) {
                forced.push_back(0);
                forced.push_back(1 + t % 7);
            }
    }
    std::vector<float> single(LayerRouting& r) {
        CpuBackend b;
        MoeLayer layer(c, w->layer(0), b);
        std::vector<float> y(static_cast<size_t>(T) * c.hidden);
        layer.forward(x.data(), T, forced.empty() ? nullptr : forced.data(), y.data(), r);
        return y;
    }
};

double maxRelDiff(const std::vector<float>& a, const std::vector<float>& b) {
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num = std::max(num, double(std::abs(a[i] - b[i])));
        den = std::max(den, double(std::abs(b[i])));
    }
    return num / den;
}

TEST(ExpertParallelLayer, MatchesSingleRankForAnyRankCount) {
    LayerFixture s;
    LayerRouting r;
    const auto ref = s.single(r);
    for (int G : {1, 2, 3, 4, 8}) {
        const Placement p = Placement::contiguous(1, s.c.experts, G);
        const auto par = runParallel(s.c, s.w->layer(0), p, s.x, s.T, nullptr);
        EXPECT_LT(maxRelDiff(par.y, ref), 1e-6) << "G=" << G;
        EXPECT_EQ(par.counts, r.counts) << "G=" << G;
        int64_t rows = 0;
        for (const auto& st : par.stats) rows += st.rowsProcessed;
        EXPECT_EQ(rows, s.T * s.c.topK);
    }
}

TEST(ExpertParallelLayer, ReplicatedHotExpertIsSplitEvenlyAndResultUnchanged) {
    LayerFixture s(0, true);
    LayerRouting r;
    const auto ref = s.single(r);
    Placement p = Placement::contiguous(1, s.c.experts, 4);  // expert 0 lives on rank 0
    const auto base = runParallel(s.c, s.w->layer(0), p, s.x, s.T, s.forced.data());
    for (int rank : {1, 2, 3}) p.addReplica(0, 0, rank);
    const auto dup = runParallel(s.c, s.w->layer(0), p, s.x, s.T, s.forced.data());
    EXPECT_LT(maxRelDiff(dup.y, ref), 1e-6);
    // Expert 0 has T = 53 rows: 13 or 14 per replica. Rank 0 also hosts expert 1.
    int64_t maxRows = 0;
    for (const auto& st : dup.stats) maxRows = std::max(maxRows, st.rowsProcessed);
    int64_t baseMax = 0;
    for (const auto& st : base.stats) baseMax = std::max(baseMax, st.rowsProcessed);
    EXPECT_LT(maxRows, baseMax);
    EXPECT_EQ(base.stats[0].rowsProcessed, 53 + r.counts[1]);
    EXPECT_EQ(dup.stats[1].rowsProcessed - r.counts[2] - r.counts[3], 13);
}

TEST(ExpertParallelLayer, UnevenSharesAndTwoSlotsOnOneRankSplitAsPlanned) {
    LayerFixture s(0, true);
    LayerRouting r;
    const auto ref = s.single(r);
    Placement p = Placement::contiguous(1, s.c.experts, 4);
    p.addReplica(0, 0, 2);
    p.addReplica(0, 0, 2, true);  // EPLB may put two slots of one expert on a rank
    p.setShares(0, 0, {0.5, 0.25, 0.25});
    const auto par = runParallel(s.c, s.w->layer(0), p, s.x, s.T, s.forced.data());
    EXPECT_LT(maxRelDiff(par.y, ref), 1e-6);
    // 53 rows of expert 0: rank 0 takes [0, 27), rank 2 the rest ([27, 40) and [40, 53)).
    EXPECT_EQ(par.stats[0].rowsProcessed, 27 + r.counts[1]);
    EXPECT_EQ(par.stats[2].rowsProcessed, 26 + r.counts[4] + r.counts[5]);
    const auto loads = p.rankLoads(0, std::vector<double>(8, 8.0));
    EXPECT_DOUBLE_EQ(loads[0], 8 + 4);
    EXPECT_DOUBLE_EQ(loads[2], 16 + 4);
}

TEST(ExpertParallelLayer, CapacityDropsAgreeWithSingleRank) {
    LayerFixture s(0.75, true);
    LayerRouting r;
    const auto ref = s.single(r);
    ASSERT_GT(r.dropped, 0);
    for (int G : {2, 4}) {
        const auto par = runParallel(s.c, s.w->layer(0), Placement::contiguous(1, 8, G), s.x, s.T,
                                     s.forced.data());
        EXPECT_EQ(par.dropped, r.dropped);
        EXPECT_LT(maxRelDiff(par.y, ref), 1e-6);
    }
}

}  // namespace
}  // namespace moe
