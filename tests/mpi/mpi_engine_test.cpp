// One rank per process must compute what the in-process ranks compute: per step, the loads,
// drops, per-rank rows and every layer's output bits, with the workload read by rank 0 only,
// through a placement change made on rank 0 mid-run, with capacity drops, and on the bundled
// real trace. Each process runs the distributed engine and, as the reference, an in-process
// engine with the same rank count on the same broadcast step, and compares its own rank.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "core/common/error.h"
#include "core/engine/broadcast_workload.h"
#include "core/engine/moe_engine.h"
#include "core/engine/run_loop.h"
#include "core/experiment/workload_source.h"
#include "tests/mpi/mpi_test_support.h"

namespace moe::mpi {
namespace {

using testing::world;

// Random routing with one hot expert, steps of uneven sizes (fewer tokens than ranks too, so
// some ranks own no token). Only rank 0 ever constructs it.
class SkewedRouting final : public Workload {
public:
    SkewedRouting() {
        shape_.layers = 3;
        shape_.experts = 8;
        shape_.topK = 2;
    }
    const WorkloadShape& shape() const override { return shape_; }
    std::string describe() const override { return "skewed test routing"; }
    bool next(Step& step) override {
        static const int kTokens[] = {37, 3, 64, 1, 50, 29};
        if (index_ == std::size(kTokens)) return false;
        const int T = kTokens[index_], E = shape_.experts;
        ids_.clear();
        std::mt19937 rng(1234 + index_);
        for (int l = 0; l < shape_.layers; ++l)
            for (int t = 0; t < T; ++t) {
                const int first = rng() % 3 == 0 ? static_cast<int>(rng() % E) : 5;  // 5 is hot
                ids_.push_back(first);
                ids_.push_back((first + 1 + static_cast<int>(rng() % (E - 1))) % E);
            }
        step = Step{};
        step.index = static_cast<int64_t>(index_++);
        step.tokens = T;
        step.experts = ids_;
        return true;
    }

private:
    WorkloadShape shape_;
    size_t index_ = 0;
    std::vector<int32_t> ids_;
};

struct Outputs {
    std::vector<std::vector<float>> layers;  // this process's rank's tokens, per layer
};

EngineConfig smallConfig(double capacity) {
    EngineConfig c;
    c.layer.hidden = 24;
    c.layer.ffn = 40;
    c.layer.capacityFactor = capacity;
    c.seed = 7;
    return c;
}

struct Mismatches {
    int64_t steps = 0, loads = 0, dropped = 0, rows = 0, outputs = 0;
};

// Runs both engines over every step of `workload` (a BroadcastWorkload, so this rank holds
// the step rank 0 read); `between(stepIndex, dist, ref)` may change placements after a step.
Mismatches compareEngines(BroadcastWorkload& workload, const EngineConfig& config,
                          const std::function<void(int64_t, MoeEngine&, MoeEngine&)>& between) {
    auto& comm = world();
    const int me = comm.rank(), G = comm.size();
    Outputs dist, ref;
    auto hook = [me](Outputs& o) {
        return [me, &o](int rank, int layer, int, std::span<const float> y) {
            if (rank != me) return;  // the reference runs all ranks; keep this process's
            if (o.layers.size() <= static_cast<size_t>(layer)) o.layers.resize(layer + 1);
            o.layers[layer].assign(y.begin(), y.end());
        };
    };
    EngineConfig dc = config, rc = config;
    dc.communicator = &comm;
    dc.threads = 1;
    dc.layerOutputHook = hook(dist);
    rc.ranks = G;
    rc.threads = G;  // one thread per in-process rank, as each MPI rank has one
    rc.layerOutputHook = hook(ref);
    MoeEngine distEngine(dc, workload.shape()), refEngine(rc, workload.shape());
    EXPECT_TRUE(distEngine.distributed());
    EXPECT_EQ(distEngine.ranks(), G);
    EXPECT_EQ(distEngine.threadsPerRank(), refEngine.threadsPerRank());

    Mismatches m;
    Step step;
    StepTelemetry td, tr;
    while (workload.next(step)) {
        distEngine.runStep(step, td);
        refEngine.runStep(step, tr);
        ++m.steps;
        m.loads += !(td.loads.layers() == tr.loads.layers() && td.step == tr.step &&
                     td.tokens == tr.tokens && td.ranks == tr.ranks);
        for (int l = 0; l < td.layers; ++l)
            for (int e = 0; e < td.loads.experts(); ++e)
                m.loads += td.loads.at(l, e) != tr.loads.at(l, e);
        m.dropped += td.dropped != tr.dropped;
        m.rows += td.rankRows != tr.rankRows;
        m.outputs += dist.layers.size() != ref.layers.size();
        for (size_t l = 0; l < std::min(dist.layers.size(), ref.layers.size()); ++l)
            m.outputs += dist.layers[l].size() != ref.layers[l].size() ||
                         std::memcmp(dist.layers[l].data(), ref.layers[l].data(),
                                     dist.layers[l].size() * sizeof(float)) != 0;
        if (between) between(step.index, distEngine, refEngine);
    }
    return m;
}

void expectIdentical(const Mismatches& m, int64_t steps) {
    EXPECT_EQ(m.steps, steps);
    EXPECT_EQ(m.loads, 0) << "per-step loads differ";
    EXPECT_EQ(m.dropped, 0) << "dropped pairs differ";
    EXPECT_EQ(m.rows, 0) << "per-rank rows differ";
    EXPECT_EQ(m.outputs, 0) << "layer outputs differ (bitwise)";
    // Every rank must have agreed, not just this one.
    EXPECT_EQ(testing::sumOverRanks(world(), m.loads + m.dropped + m.rows + m.outputs), 0);
}

BroadcastWorkload::Opener onRoot(BroadcastWorkload::Opener open) {
    return world().rank() == 0 ? std::move(open) : BroadcastWorkload::Opener{};
}

TEST(MpiEngine, MatchesInProcessRanksStepByStep) {
    BroadcastWorkload w(world(), onRoot([] { return std::make_unique<SkewedRouting>(); }));
    EXPECT_EQ(w.describe(), "skewed test routing");
    expectIdentical(compareEngines(w, smallConfig(0), {}), 6);
}

TEST(MpiEngine, MatchesWithCapacityDropsAndAPlacementChangedOnRankZero) {
    BroadcastWorkload w(world(), onRoot([] { return std::make_unique<SkewedRouting>(); }));
    size_t replicasSeen = 0;
    const Mismatches m =
        compareEngines(w, smallConfig(1.25), [&](int64_t index, MoeEngine& dist, MoeEngine& ref) {
            if (index == 2) replicasSeen = dist.placement().replicas(0, 5).size();
            if (index != 1) return;
            // After step 1: the hot expert 5 of every layer gains a replica on every rank, with
            // uneven shares, set on rank 0 only; rank 0's engine must carry it to the others.
            Placement p = ref.placement();
            for (int l = 0; l < p.layers(); ++l) {
                std::vector<double> shares;
                for (int r = 0; r < p.ranks(); ++r) {
                    if (!p.hosts(l, 5, r)) p.addReplica(l, 5, r);
                    shares.push_back(1.0 + r);
                }
                std::vector<double> ordered;  // shares in the order of the replicas
                for (int r : p.replicas(l, 5)) ordered.push_back(shares[r] / 3.0);
                p.setShares(l, 5, ordered);
            }
            ref.setPlacement(p);
            if (world().rank() == 0)
                dist.setPlacement(p);
            else
                EXPECT_THROW(dist.setPlacement(p), Error);
        });
    expectIdentical(m, 6);
    EXPECT_EQ(replicasSeen, static_cast<size_t>(world().size())) << "placement not broadcast";
}

TEST(MpiEngine, MatchesOnTheBundledTraceReadByRankZeroOnly) {
    WorkloadOptions o;
    o.spec = "trace:gpt-oss-20b";
    o.batching = Batching::Continuous;
    o.batch = 12;
    o.maxSteps = 4;
    BroadcastWorkload w(world(), onRoot([o] { return openWorkload(o); }));
    EXPECT_EQ(w.shape().experts, 32);
    EngineConfig c = smallConfig(0);
    c.layer.hidden = 16;
    c.layer.ffn = 24;
    c.shareWeights = true;
    expectIdentical(compareEngines(w, c, {}), 4);
}

TEST(BroadcastWorkload, TheRootsErrorsReachEveryRank) {
    std::string opened;
    try {
        BroadcastWorkload w(world(), onRoot([]() -> std::unique_ptr<Workload> {
                                throw Error("data/missing.tsv.gz: no such file");
                            }));
    } catch (const CollectiveError& e) {
        opened = e.what();
    }
    EXPECT_EQ(opened, "data/missing.tsv.gz: no such file");

    // A read error after some steps: the ranks that receive get the root's message too.
    class FailsAtStepTwo final : public Workload {
    public:
        FailsAtStepTwo() {
            shape_.layers = 1;
            shape_.experts = 4;
            shape_.topK = 1;
        }
        const WorkloadShape& shape() const override { return shape_; }
        std::string describe() const override { return "fails"; }
        bool next(Step& s) override {
            if (n_ == 2) throw Error("trace.tsv.gz:3: expert id 9 out of range");
            ids_.assign(2, static_cast<int32_t>(n_));
            s = Step{};
            s.index = n_++;
            s.tokens = 2;
            s.experts = ids_;
            return true;
        }

    private:
        WorkloadShape shape_;
        int n_ = 0;
        std::vector<int32_t> ids_;
    };
    BroadcastWorkload w(world(), onRoot([] { return std::make_unique<FailsAtStepTwo>(); }));
    Step s;
    int steps = 0;
    std::string message;
    try {
        while (w.next(s)) {
            EXPECT_EQ(s.experts.size(), 2u);
            EXPECT_EQ(s.experts[0], steps);
            ++steps;
        }
    } catch (const CollectiveError& e) {
        message = e.what();
    }
    EXPECT_EQ(steps, 2);
    EXPECT_EQ(message, "trace.tsv.gz:3: expert id 9 out of range");
}

TEST(BroadcastWorkload, RankZeroStoppingEarlyEndsEveryRank) {
    BroadcastWorkload w(world(), onRoot([] { return std::make_unique<SkewedRouting>(); }));
    EngineConfig c = smallConfig(0);
    c.communicator = &world();
    c.threads = 1;
    MoeEngine engine(c, w.shape());
    std::atomic<bool> stop{false};
    int64_t seen = 0;
    // Rank 0 stops after 2 steps (a Ctrl-C); the others pass no limit and must stop with it.
    const int64_t done = runLoopDistributed(
        w, engine, 0,
        [&](const StepTelemetry&) {
            if (++seen == 2) stop = true;
        },
        world().rank() == 0 ? &stop : nullptr);
    EXPECT_EQ(done, 2);
    EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace moe::mpi
