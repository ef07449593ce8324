// The rebalance controller on a real engine, the path `run --policy` and the workbench take:
// MoETuner (full mode) must get the layer-to-layer transitions counted from the steps it saw,
// and each rebalance must carry per-layer figures that the store's decision rows hold one per
// layer (they once held the run-wide mean on every layer and the moved total on layer 0).
#include "core/engine/rebalance_controller.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "core/common/error.h"
#include "core/engine/run_loop.h"
#include "core/store/placement_record.h"
#include "core/workload/synthetic_workload.h"

namespace moe {
namespace {

SyntheticParams skewed(int steps) {
    SyntheticParams sp;
    sp.layers = 4;
    sp.experts = 8;
    sp.topK = 2;
    sp.tokensPerStep = 64;
    sp.steps = steps;
    sp.skew = 3;
    return sp;
}

EngineConfig smallEngine() {
    EngineConfig c;
    c.layer.hidden = 16;
    c.layer.ffn = 32;
    c.ranks = 4;
    c.threads = 4;
    return c;
}

RebalanceOptions every(const std::string& policy, int64_t n, int slots = 0) {
    RebalanceOptions o;
    o.policy = policy;
    o.predictor = "sw_avg:window=20";
    o.every = n;
    o.horizon = 10;
    o.slots = slots;
    o.flopRate = 1e9;  // skip the 0.2 s measurement
    return o;
}

std::vector<RebalanceEvent> run(const std::string& policy, int steps, int every_, int slots = 0,
                                bool forced = true) {
    SyntheticWorkload w(skewed(steps));
    EngineConfig c = smallEngine();
    c.forcedRouting = forced;
    MoeEngine engine(c, w.shape());
    RebalanceController rc(every(policy, every_, slots), w.shape(), engine);
    runLoop(w, engine, 0, [&](const StepTelemetry& t) { rc.afterStep(t); });
    return rc.events();
}

TEST(RebalanceController, MoeTunerFullModeGetsTransitionsFromTheSteps) {
    // Before the fix the controller never filled PolicyInput::transitions, so MoETuner's
    // default (full) mode threw at the first rebalance.
    std::vector<RebalanceEvent> events;
    ASSERT_NO_THROW(events = run("moetuner", 40, 20));
    ASSERT_EQ(events.size(), 2u);
    for (const RebalanceEvent& ev : events) {
        EXPECT_NE(ev.notes.find("moetuner full"), std::string::npos) << ev.notes;
        EXPECT_NE(ev.notes.find("ILP 2"), std::string::npos) << ev.notes;  // the mapping ran
        EXPECT_GE(ev.balancednessAfter, ev.balancednessBefore - 1e-9);
    }
}

TEST(RebalanceController, MoeTunerFullModeNeedsTheRoutingTheEngineFollows) {
    // With the engine's own gate the workload's ids are not the routing that ran.
    EXPECT_THROW(run("moetuner", 10, 5, 0, /*forced=*/false), Error);
    EXPECT_NO_THROW(run("moetuner:mode=balance", 10, 5, 0, /*forced=*/false));
}

TEST(RebalanceController, EventsCarryEachLayersOwnChange) {
    const std::vector<RebalanceEvent> events = run("eplb", 30, 30, 12);
    ASSERT_EQ(events.size(), 1u);
    const RebalanceEvent& ev = events[0];
    ASSERT_EQ(ev.layers.size(), 4u);
    double before = 0, after = 0;
    int moved = 0;
    size_t bytes = 0;
    bool differ = false;
    for (const LayerChange& c : ev.layers) {
        before += c.balancednessBefore;
        after += c.balancednessAfter;
        moved += c.movedExperts;
        bytes += c.movedBytes;
        differ |= std::abs(c.balancednessBefore - ev.layers[0].balancednessBefore) > 1e-9;
    }
    // The run-wide figures are the means and sums of the layers' own.
    EXPECT_NEAR(before / 4, ev.balancednessBefore, 1e-9);
    EXPECT_NEAR(after / 4, ev.balancednessAfter, 1e-9);
    EXPECT_EQ(moved, ev.movedExperts);
    EXPECT_EQ(bytes, ev.movedBytes);
    EXPECT_GT(moved, 0);
    EXPECT_TRUE(differ) << "every layer has the same balancedness: not per layer";
}

TEST(RebalanceController, DecisionRowsHoldTheirLayersFigures) {
    SyntheticWorkload w(skewed(30));
    MoeEngine engine(smallEngine(), w.shape());
    RebalanceController rc(every("eplb", 30, 12), w.shape(), engine);
    runLoop(w, engine, 0, [&](const StepTelemetry& t) { rc.afterStep(t); });
    ASSERT_EQ(rc.events().size(), 1u);
    const RebalanceEvent& ev = rc.events()[0];
    int64_t moved = 0, bytes = 0;
    for (int l = 0; l < 4; ++l) {
        const store::DecisionRecord d =
            store::decisionRecord(engine.placement(), l, ev.step, "eplb", ev.layers[l]);
        EXPECT_EQ(d.layer, l);
        EXPECT_DOUBLE_EQ(d.balancednessBefore, ev.layers[l].balancednessBefore);
        EXPECT_DOUBLE_EQ(d.balancednessAfter, ev.layers[l].balancednessAfter);
        EXPECT_EQ(d.movedExperts, ev.layers[l].movedExperts);
        EXPECT_EQ(d.movedBytes, static_cast<int64_t>(ev.layers[l].movedBytes));
        moved += d.movedExperts;
        bytes += d.movedBytes;
    }
    // Summing the rows (what `runs show`, the GUI's replay and comparison do) gives the totals.
    EXPECT_EQ(moved, ev.movedExperts);
    EXPECT_EQ(bytes, static_cast<int64_t>(ev.movedBytes));
}

}  // namespace
}  // namespace moe
