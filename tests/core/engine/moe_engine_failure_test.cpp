// A step that fails on one rank part-way through must end with that rank's error on every rank
// (no rank left waiting at a collective), and the next step must compute exactly what a fresh
// engine computes: the in-process collectives are re-armed and their slot sets back in step.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "core/comm/abortable_barrier.h"
#include "core/common/error.h"
#include "core/engine/moe_engine.h"
#include "core/workload/synthetic_workload.h"
#include "tests/core/common/owned_steps.h"

namespace moe {
namespace {

// Every rank's output of every layer, as the layer output hook sees them.
class Outputs {
public:
    void record(int rank, int layer, std::span<const float> y) {
        std::lock_guard lock(mutex_);
        seen_[{rank, layer}].assign(y.begin(), y.end());
    }
    std::map<std::pair<int, int>, std::vector<float>> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(seen_, {});
    }

private:
    std::mutex mutex_;
    std::map<std::pair<int, int>, std::vector<float>> seen_;
};

EngineConfig engineConfig(Outputs& outputs, const std::atomic<bool>* failRank1Layer2) {
    EngineConfig c;
    c.layer.hidden = 16;
    c.layer.ffn = 32;
    c.ranks = 4;
    c.threads = 4;
    c.layerOutputHook = [&outputs, failRank1Layer2](int rank, int layer, int,
                                                    std::span<const float> y) {
        if (failRank1Layer2 && *failRank1Layer2 && rank == 1 && layer == 2)
            throw Error("rank 1 failed at layer 2");
        outputs.record(rank, layer, y);
    };
    return c;
}

TEST(MoeEngineFailure, AStepFailingOnOneRankMidLayerLeavesTheNextStepExact) {
    SyntheticParams sp;
    sp.layers = 4;
    sp.experts = 8;
    sp.topK = 2;
    sp.tokensPerStep = 37;
    sp.steps = 2;
    sp.skew = 2;
    SyntheticWorkload w(sp);
    const std::vector<test::OwnedStep> steps = test::ownedSteps(w, 2);
    ASSERT_GT(steps[1].step.tokens, 0);

    Outputs recovered, fresh;
    std::atomic<bool> fail{true};
    MoeEngine failing(engineConfig(recovered, &fail), w.shape());
    StepTelemetry t;
    try {
        failing.runStep(steps[0].step, t);
        FAIL() << "the step should fail";
    } catch (const PeerFailure&) {
        FAIL() << "the failing rank's own error should be reported";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "rank 1 failed at layer 2");
    }
    fail = false;
    recovered.take();
    failing.runStep(steps[1].step, t);

    MoeEngine reference(engineConfig(fresh, nullptr), w.shape());
    StepTelemetry tr;
    reference.runStep(steps[1].step, tr);
    const auto got = recovered.take(), want = fresh.take();
    ASSERT_EQ(got.size(), 4u * 4u);  // every rank, every layer
    EXPECT_EQ(got, want);
    EXPECT_EQ(t.rankRows, tr.rankRows);
}

}  // namespace
}  // namespace moe
