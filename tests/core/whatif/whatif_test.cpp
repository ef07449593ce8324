// The what-if matrix: bounds where they belong, a predicted lane's plan for step t fixed before
// step t is seen (a poisoned step t leaves it unchanged), the oracle's not, and the same
// figures however many threads evaluate the lanes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/store/experiment_store.h"
#include "core/whatif/step_load_forecaster.h"
#include "core/whatif/whatif_matrix.h"
#include "core/whatif/whatif_store.h"
#include "tests/core/common/owned_steps.h"

namespace moe {
namespace {

WhatIfSpec smallSpec() {
    WhatIfSpec s;
    s.base.workload.spec = "synthetic:layers=3,experts=16,top_k=2,tokens=256,skew=3,drift=0.02";
    s.base.workload.batching = "tokens";
    s.base.workload.steps = 60;
    s.base.model.ranks = 4;
    s.base.model.hidden = 64;
    s.base.model.ffn = 64;
    s.base.rebalance.extraSlots = 4;
    s.base.rebalance.horizon = 0;
    s.predictors = {"last", "sw_avg:window=10"};
    s.policies = {"eplb", "gps"};
    s.cadences = {1, 10};
    return s;
}

TEST(WhatIf, BoundsAndEveryCombination) {
    const WhatIfResult r = runWhatIf(smallSpec());
    ASSERT_EQ(r.steps, 60);
    ASSERT_EQ(r.rows.size(), 1u + 2u * (1u + 2u * 2u));
    const WhatIfScore& contiguous = r.rows[0];
    EXPECT_EQ(contiguous.predictor, "contiguous");
    EXPECT_EQ(contiguous.movedExperts, 0);
    EXPECT_GT(contiguous.slowestOverIdeal, 1.2);  // skew 3 on 4 ranks is far from even
    for (const WhatIfScore& s : r.rows) {
        EXPECT_GE(s.slowestOverIdeal, 1.0) << s.predictor << " " << s.policy;
        EXPECT_EQ(s.steps, 60);
        // Per layer: every step routes tokens on every layer here, so the layers' mean is the
        // row's figure.
        ASSERT_EQ(s.layerSlowestOverIdeal.size(), 3u);
        ASSERT_EQ(s.layerGapClosed.size(), 3u);
        EXPECT_NEAR(
            (s.layerSlowestOverIdeal[0] + s.layerSlowestOverIdeal[1] + s.layerSlowestOverIdeal[2]) /
                3,
            s.slowestOverIdeal, 1e-9);
        if (s.predictor == "oracle")
            for (double g : s.layerGapClosed) EXPECT_DOUBLE_EQ(g, 1.0);
        if (s.predictor == "oracle") {
            EXPECT_DOUBLE_EQ(s.gapClosed, 1.0);
            EXPECT_LT(s.slowestOverIdeal, contiguous.slowestOverIdeal);
        } else if (s.predictor != "contiguous") {
            EXPECT_GT(s.forecasts, 0);
            EXPECT_GT(s.movedExperts, 0);
            EXPECT_GT(s.gapClosed, 0.0) << s.predictor << " " << s.policy << " " << s.every;
            EXPECT_LE(s.gapClosed, 1.05);
        }
    }
}

TEST(WhatIf, SharingAPredictorAcrossPoliciesChangesNoFigure) {
    WhatIfSpec s = smallSpec();
    s.predictors = {"sw_avg:window=10", "arima:p=2,d=1,q=1,history=30,refit=10"};
    const WhatIfResult shared = runWhatIf(s);
    s.shareForecasts = false;
    const WhatIfResult own = runWhatIf(s);
    ASSERT_EQ(shared.rows.size(), own.rows.size());
    for (size_t i = 0; i < own.rows.size(); ++i) {
        EXPECT_EQ(shared.rows[i].slowestOverIdeal, own.rows[i].slowestOverIdeal) << i;
        EXPECT_EQ(shared.rows[i].movedBytes, own.rows[i].movedBytes) << i;
    }
}

TEST(WhatIf, MigrationAwarePlansBalanceAlikeAndMoveLess) {
    WhatIfSpec s = smallSpec();
    s.policies = {"eplb"};
    s.migrationModes = {false, true};
    const WhatIfResult r = runWhatIf(s);
    const size_t perMode = 1 + s.predictors.size() * s.cadences.size();
    ASSERT_EQ(r.rows.size(), 1 + 2 * perMode);
    double plainMoved = 0, awareMoved = 0;
    for (size_t i = 0; i < perMode; ++i) {
        const WhatIfScore& plain = r.rows[1 + i];
        const WhatIfScore& aware = r.rows[1 + perMode + i];
        EXPECT_FALSE(plain.migrationAware);
        EXPECT_TRUE(aware.migrationAware);
        EXPECT_EQ(plain.predictor, aware.predictor);
        EXPECT_NEAR(aware.slowestOverIdeal, plain.slowestOverIdeal, 1e-12) << plain.predictor;
        EXPECT_LE(aware.movedBytes, plain.movedBytes) << plain.predictor;
        plainMoved += plain.movedExperts;
        awareMoved += aware.movedExperts;
    }
    EXPECT_LT(awareMoved, plainMoved);
}

TEST(WhatIf, StackPresetsFollowTheirDefaultSchedules) {
    WhatIfSpec s = smallSpec();
    s.policies = {"gps"};  // no eplb asked for: the presets bring EPLB's oracle themselves
    s.base.workload.steps = 120;
    s.presets = {stackPreset("vllm"), stackPreset("sglang"), {"every-40", 30, 40}};
    const WhatIfResult r = runWhatIf(s);
    const WhatIfScore* oracle = nullptr;
    std::map<std::string, const WhatIfScore*> preset;
    for (const WhatIfScore& row : r.rows) {
        if (row.predictor == "oracle" && row.policy == "eplb") oracle = &row;
        if (!row.preset.empty()) preset[row.preset] = &row;
    }
    ASSERT_NE(oracle, nullptr);
    ASSERT_EQ(preset.size(), 3u);
    EXPECT_EQ(preset["vllm"]->every, 3000);
    EXPECT_EQ(preset["vllm"]->predictor, "sw_avg:window=1000");
    EXPECT_EQ(preset["vllm"]->rebalances, 0);  // 120 steps never reach its interval
    EXPECT_EQ(preset["vllm"]->slowestOverIdeal, r.rows[0].slowestOverIdeal);
    EXPECT_EQ(preset["sglang"]->every, 1000);
    EXPECT_EQ(preset["every-40"]->rebalances, 3);  // after steps 39, 79 and 119
    EXPECT_GT(preset["every-40"]->gapClosed, 0);
    EXPECT_THROW(stackPreset("tgi"), Error);
}

TEST(WhatIf, SameFiguresOnOneThreadOrMany) {
    WhatIfSpec s = smallSpec();
    s.threads = 1;
    const WhatIfResult one = runWhatIf(s);
    s.threads = 3;
    const WhatIfResult many = runWhatIf(s);
    ASSERT_EQ(one.rows.size(), many.rows.size());
    for (size_t i = 0; i < one.rows.size(); ++i) {
        EXPECT_EQ(one.rows[i].slowestOverIdeal, many.rows[i].slowestOverIdeal) << i;
        EXPECT_EQ(one.rows[i].movedBytes, many.rows[i].movedBytes) << i;
    }
}

// Steps of a synthetic workload, copied out.
std::vector<test::OwnedStep> readSteps(int n) {
    WorkloadOptions o;
    o.spec = "synthetic:layers=2,experts=8,top_k=2,tokens=64,skew=2.5,drift=0.05";
    o.batching = Batching::Tokens;
    o.maxSteps = n;
    auto w = openWorkload(o);
    return test::ownedSteps(*w, n);
}

// The layer and plan of the poisoned-step tests: 8 experts of width 16, EPLB on 12 slots
// every step, driven by `predictor`.
MoeLayerConfig smallLayer() {
    MoeLayerConfig layer;
    layer.hidden = layer.ffn = 16;
    layer.experts = 8;
    layer.topK = 2;
    return layer;
}

RebalanceOptions eplbEveryStep(const std::string& predictor) {
    RebalanceOptions o;
    o.policy = "eplb";
    o.predictor = predictor;
    o.slots = 12;
    o.every = 1;
    return o;
}

TEST(WhatIf, APredictedPlanNeverSeesTheStepItIsScoredOn) {
    std::vector<test::OwnedStep> steps = readSteps(12);
    // The poisoned copy of step 11: every token of every layer on experts 0 and 1.
    test::OwnedStep poisoned = steps[11];
    for (size_t i = 0; i < poisoned.experts.size(); ++i) poisoned.experts[i] = i % 2;
    poisoned.step.experts = poisoned.experts;
    const WorkloadShape shape{2, 8, 2};
    const MoeLayerConfig layer = smallLayer();
    RebalanceOptions o = eplbEveryStep("sw_avg:window=4");
    o.horizon = 1;
    for (const bool oracle : {false, true}) {
        auto make = [&] {
            return oracle ? WhatIfLane::oracle(o, shape, layer, 4, {})
                          : WhatIfLane::predicted(o, shape, layer, 4, {});
        };
        auto clean = make(), dirty = make();
        LoadMatrix loads(2, 8);
        for (int i = 0; i < 11; ++i)
            for (auto* lane : {clean.get(), dirty.get()}) {
                loads.clear();
                loads.accumulate(steps[i].step, 2);
                lane->step(steps[i].step, loads);
            }
        const Placement before = clean->placement();
        loads.clear();
        loads.accumulate(steps[11].step, 2);
        clean->step(steps[11].step, loads);
        LoadMatrix bad(2, 8);
        bad.accumulate(poisoned.step, 2);
        dirty->step(poisoned.step, bad);
        // What the poisoned step ran on: the placement planned before it, or (oracle) its own.
        ReplayPlacement replay(layer, 2, 4, {});
        replay.setPlacement(before);
        StepTelemetry expected;
        replay.replay(poisoned.step, bad, expected);
        if (oracle)
            EXPECT_NE(dirty->lastStep().rankRows, expected.rankRows);
        else
            EXPECT_EQ(dirty->lastStep().rankRows, expected.rankRows);
    }
}

// An in-step lane plans layer l of step t from step t's layers before l: poisoning layer 1
// of the step it plans leaves the whole plan (layer 0 from history, layer 1 from layer 0) as
// it was.
TEST(WhatIf, AnInStepPlanReadsOnlyTheLayersBefore) {
    std::vector<test::OwnedStep> steps = readSteps(12);
    test::OwnedStep poisoned = steps[11];
    for (size_t i = poisoned.experts.size() / 2; i < poisoned.experts.size(); ++i)
        poisoned.experts[i] = i % 2;
    poisoned.step.experts = poisoned.experts;
    const WorkloadShape shape{2, 8, 2};
    const MoeLayerConfig layer = smallLayer();
    const RebalanceOptions o = eplbEveryStep("affinity");
    auto cleanForecaster = std::make_shared<StepLoadForecaster>("affinity", shape);
    auto dirtyForecaster = std::make_shared<StepLoadForecaster>("affinity", shape);
    auto clean = WhatIfLane::inStep(o, shape, layer, 4, {}, cleanForecaster);
    auto dirty = WhatIfLane::inStep(o, shape, layer, 4, {}, dirtyForecaster);
    for (int i = 0; i < 12; ++i) {
        const Step& s = i == 11 ? poisoned.step : steps[i].step;
        LoadMatrix loads(2, 8);
        loads.accumulate(steps[i].step, 2);
        clean->step(steps[i].step, loads);
        cleanForecaster->observe(steps[i].step);  // what the matrix does once lanes planned
        LoadMatrix bad(2, 8);
        bad.accumulate(s, 2);
        dirty->step(s, bad);
        dirtyForecaster->observe(s);
    }
    for (int l = 0; l < 2; ++l)
        for (int e = 0; e < 8; ++e)
            EXPECT_EQ(clean->placement().replicas(l, e), dirty->placement().replicas(l, e))
                << "layer " << l << " expert " << e;
    EXPECT_GT(clean->score().movedExperts, 0);
}

TEST(WhatIf, TokenLevelPredictorsPlanInStepBesideLoadOnes) {
    WhatIfSpec s = smallSpec();
    s.predictors = {"last", "affinity", "t2e_freq"};
    s.policies = {"eplb"};
    s.warmup = 10;
    const WhatIfResult r = runWhatIf(s);
    EXPECT_EQ(r.warmup, 10);
    for (const WhatIfScore& row : r.rows) {
        EXPECT_EQ(row.steps, 50) << row.predictor << ": warm-up steps are not scored";
        EXPECT_EQ(row.perStep.size(), 60u) << "the curve covers every step";
        if (row.predictor == "contiguous" || row.predictor == "oracle") continue;
        EXPECT_GT(row.forecasts, 0) << row.predictor;
        EXPECT_GT(row.gapClosed, 0.0) << row.predictor << " every " << row.every;
    }
}

// Saved as a run of the store and read back: every row and curve as computed; deleting the
// run deletes its matrix.
TEST(WhatIf, AMatrixIsStoredAsARunAndReadBackWhole) {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("whatif_store_" + std::to_string(getpid()) + ".sqlite"))
                                 .string();
    std::filesystem::remove(path);
    WhatIfSpec s = smallSpec();
    s.base.recording.name = "matrix";
    s.base.recording.tags = {"whatif"};
    const WhatIfResult r = runWhatIf(s);
    const int64_t id = saveWhatIf(path, s, r);
    store::ExperimentStore st(path);
    const store::RunRecord run = st.run(id);
    EXPECT_EQ(run.name, "matrix");
    EXPECT_EQ(run.steps, r.steps);
    EXPECT_EQ(run.status, store::RunStatus::Finished);
    ASSERT_TRUE(hasWhatIf(st.connection(), id));
    const WhatIfResult back = loadWhatIf(st.connection(), run);
    ASSERT_EQ(back.rows.size(), r.rows.size());
    for (size_t i = 0; i < r.rows.size(); ++i) {
        EXPECT_EQ(back.rows[i].predictor, r.rows[i].predictor);
        EXPECT_EQ(back.rows[i].every, r.rows[i].every);
        EXPECT_DOUBLE_EQ(back.rows[i].slowestOverIdeal, r.rows[i].slowestOverIdeal);
        EXPECT_DOUBLE_EQ(back.rows[i].gapClosed, r.rows[i].gapClosed);
        EXPECT_DOUBLE_EQ(back.rows[i].movedBytes, r.rows[i].movedBytes);
        EXPECT_EQ(back.rows[i].perStep, r.rows[i].perStep);
    }
    st.deleteRun(id);
    EXPECT_FALSE(hasWhatIf(st.connection(), id));
    std::filesystem::remove(path);
}

// A threshold schedule checks every step and plans only when the forecast says the current
// placement is unbalanced: between never and every step in moves, for load and token lanes.
TEST(WhatIf, ThresholdSchedulesPlanOnlyWhenTheForecastIsUnbalanced) {
    WhatIfSpec s = smallSpec();
    s.predictors = {"sw_avg:window=10", "affinity"};
    s.policies = {"eplb"};
    s.cadences = {1};
    s.thresholds = {0.9};
    const WhatIfResult r = runWhatIf(s);
    std::map<std::string, const WhatIfScore*> every, below;
    for (const WhatIfScore& row : r.rows) {
        if (row.predictor == "contiguous" || row.predictor == "oracle") continue;
        (row.threshold > 0 ? below : every)[row.predictor] = &row;
    }
    ASSERT_EQ(below.size(), 2u);
    for (const auto& [name, row] : below) {
        EXPECT_DOUBLE_EQ(row->threshold, 0.9);
        EXPECT_EQ(row->every, 1);
        EXPECT_GT(row->rebalances, 0) << name;
        EXPECT_LT(row->rebalances, every[name]->rebalances) << name;
    }
    s.thresholds = {1.5};
    EXPECT_THROW(runWhatIf(s), Error);
}

// Both budgets: spare-slot rows keep every expert's contiguous home, are scored against the
// spare-slot oracle, and move less than planning every slot.
TEST(WhatIf, SpareSlotBudgetRowsBesideFreePlacement) {
    WhatIfSpec s = smallSpec();
    s.predictors = {"last"};
    s.policies = {"eplb"};
    s.cadences = {1};
    s.spareModes = {false, true};
    const WhatIfResult r = runWhatIf(s);
    ASSERT_EQ(r.rows.size(), 5u);  // contiguous, then per budget its oracle and one lane
    const WhatIfScore& free = r.rows[2];
    const WhatIfScore& spare = r.rows[4];
    ASSERT_FALSE(free.spareSlotsOnly);
    ASSERT_TRUE(spare.spareSlotsOnly);
    EXPECT_TRUE(r.rows[3].spareSlotsOnly && r.rows[3].predictor == "oracle");
    EXPECT_LT(spare.movedExperts, free.movedExperts);
    EXPECT_LT(r.rows[3].slowestOverIdeal, r.rows[0].slowestOverIdeal);
    EXPECT_GT(spare.gapClosed, 0.0);
}

// A cost per expert call adds each layer's busiest rank's calls to the modelled time: at most
// the 4 experts a contiguous rank holds, and more where replicas add calls. Rows are unchanged.
TEST(WhatIf, ACostPerExpertCallChargesTheBusiestRanksCalls) {
    WhatIfSpec s = smallSpec();
    s.predictors = {"last"};
    s.policies = {"eplb"};
    s.cadences = {1};
    const WhatIfResult rowsOnly = runWhatIf(s);
    s.cluster.secondsPerCall = 1e-3;
    const WhatIfResult withCalls = runWhatIf(s);
    ASSERT_EQ(rowsOnly.rows.size(), withCalls.rows.size());
    std::map<std::string, double> added;
    for (size_t i = 0; i < rowsOnly.rows.size(); ++i) {
        const WhatIfScore &a = rowsOnly.rows[i], &b = withCalls.rows[i];
        EXPECT_EQ(a.slowestOverIdeal, b.slowestOverIdeal) << a.predictor;
        added[a.predictor] = b.computeSeconds - a.computeSeconds;
    }
    const double layerSteps = 3.0 * 60;
    EXPECT_GT(added["contiguous"], 0.0);
    EXPECT_LE(added["contiguous"], 4e-3 * layerSteps + 1e-9);
    // 20 slots on 4 ranks: EPLB's ranks hold 5 experts or replicas each, and call more of them.
    EXPECT_GT(added["last"], added["contiguous"]);
    EXPECT_LE(added["last"], 5e-3 * layerSteps + 1e-9);
    s.cluster.secondsPerCall = -1;
    EXPECT_THROW(runWhatIf(s), Error);
}

// t2e_ffn reads each layer's own router input: refused as a strategy, scored as a labelled
// ceiling on request, and kept off the strategy map.
TEST(WhatIf, OwnInputPredictorsOnlyAsALabelledCeiling) {
    WhatIfSpec s = smallSpec();
    s.base.workload.spec += ",hidden=8";
    s.predictors = {"t2e_ffn"};
    EXPECT_THROW(runWhatIf(s), Error);
    s.ownInputCeiling = true;
    const WhatIfResult r = runWhatIf(s);
    int ceilings = 0;
    for (const WhatIfScore& row : r.rows) {
        if (row.predictor == "contiguous" || row.predictor == "oracle") continue;
        EXPECT_EQ(row.predictor, std::string("t2e_ffn") + kCeilingLabel);
        EXPECT_TRUE(isCeilingRow(row.predictor));
        EXPECT_GT(row.steps, 0);
        ++ceilings;
    }
    EXPECT_GT(ceilings, 0);
    EXPECT_FALSE(isCeilingRow("pregate"));
}

TEST(WhatIf, BadSpecsAreRefusedBeforeAnyStep) {
    WhatIfSpec s = smallSpec();
    s.predictors = {"t2e_ffn"};  // no router inputs here; and too late where there are
    EXPECT_THROW(runWhatIf(s), Error);
    s.base.workload.spec += ",hidden=8";
    EXPECT_THROW(runWhatIf(s), Error);
    s = smallSpec();
    s.predictors = {"t2e_token"};  // a synthetic workload has no token ids
    EXPECT_THROW(runWhatIf(s), Error);
    s = smallSpec();
    s.warmup = -1;
    EXPECT_THROW(runWhatIf(s), Error);
    s = smallSpec();
    s.predictors = {"oracle"};
    EXPECT_THROW(runWhatIf(s), Error);
    s = smallSpec();
    s.policies = {"no_such_policy"};
    EXPECT_THROW(runWhatIf(s), Error);
    s = smallSpec();
    s.cadences = {0};
    EXPECT_THROW(runWhatIf(s), Error);
}

}  // namespace
}  // namespace moe
