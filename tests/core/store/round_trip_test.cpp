// Everything the recorder takes comes back from a real SQLite file, exactly: run record, tags,
// notes, every step's loads/drops/rank rows/busy/wall time, predictions, decisions, metrics;
// and the headline metrics match the engine's own RunSummary, recorded or recomputed.
#include <gtest/gtest.h>

#include "core/engine/run_summary.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/run_recorder.h"
#include "core/store/schema.h"
#include "core/store/summary_metrics.h"
#include "tests/core/store/store_test_support.h"

namespace moe::store {
namespace {

using test::makeFrame;

PredictionRecord prediction(int i) {
    PredictionRecord p;
    p.predictor = i % 2 ? "sw_avg:window=100" : "arima:p=5,d=1,q=5";
    p.horizon = 1 + i % 3;
    p.layer = i % 3;
    p.step = 10 + i;
    p.relativeError = 0.01 * i;
    p.absoluteError = 0.001 * i;
    p.gpsError = 0.1 * i;
    p.maxExpertError = 0.5 / (i + 1);
    if (i % 4) p.shares = {0.1f, 0.2f, 0.3f, 0.25f, 0.15f};
    return p;
}

DecisionRecord decision(int i) {
    DecisionRecord d;
    d.step = 5 * i;
    d.layer = i % 3;
    d.policy = i % 2 ? "eplb" : "gps";
    d.replicas = {1, 2, 1, 1, 1 + i % 2};
    for (int e = 0, slot = 0; e < 5; ++e)
        for (int r = 0; r < d.replicas[e]; ++r) d.slotRanks.push_back((slot++ + i) % 2);
    d.balancednessBefore = 0.6 + 0.01 * i;
    d.balancednessAfter = 0.9;
    d.movedExperts = i;
    d.movedBytes = int64_t(i) << 33;  // beyond 32 bits
    return d;
}

TEST(StoreRoundTrip, EveryTableComesBackExactly) {
    test::ScratchDir dir;
    const std::string path = dir.path("rt.sqlite");
    const int steps = 250;
    RunSummary expected;
    RecorderOptions options;
    options.batchInterval = std::chrono::milliseconds(20);
    int64_t id = 0;
    {
        RunRecorder rec(path, test::testRunInfo(), options);
        id = rec.runId();
        for (int s = 0; s < steps; ++s) {
            const StepTelemetry t = makeFrame(s);
            expected.add(t);
            rec.record(t);
            if (s % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        for (int i = 0; i < 12; ++i) rec.record(prediction(i));
        for (int i = 0; i < 6; ++i) rec.record(decision(i));
        rec.record(MetricRecord{"custom.loss", 1.5, std::nullopt});
        rec.record(MetricRecord{"custom.loss", 0.75, 42});
        rec.finish(RunStatus::Finished);
        EXPECT_GE(rec.stats().batches, 2);
        EXPECT_EQ(rec.stats().committedSteps, steps);
        EXPECT_EQ(rec.stats().framesDropped, 0);
    }
    ExperimentStore store(path);
    const RunRecord run = store.run(id);
    EXPECT_EQ(run.name, "test run");
    EXPECT_EQ(run.tags, (std::vector<std::string>{"store", "unit"}));
    EXPECT_EQ(run.notes, "made by a test");
    EXPECT_EQ(run.status, RunStatus::Finished);
    EXPECT_EQ(run.workload, "synthetic:test");
    EXPECT_EQ(run.configJson, R"({"ranks": 2})");
    EXPECT_FALSE(run.codeVersion.empty());
    EXPECT_EQ(run.backend, "cpu, test");
    EXPECT_NE(run.machine.find("hardware threads"), std::string::npos);
    EXPECT_EQ(run.writerPid, getpid());
    EXPECT_EQ(run.steps, steps);
    EXPECT_EQ(run.tokens, expected.tokens());
    EXPECT_EQ(run.created.size(), 20u);
    EXPECT_FALSE(run.finished.empty());
    EXPECT_EQ(run.layers, 3);
    EXPECT_EQ(run.experts, 5);
    EXPECT_EQ(run.ranks, 2);

    RunReader reader(store.connection(), run);
    int64_t next = 0;
    reader.forEachStep(
        [&](const StepTelemetry& t) { test::expectSameFrame(t, makeFrame(next++)); });
    EXPECT_EQ(next, steps);

    const LayerHistory h = reader.layerLoads(2, 100, 109);
    ASSERT_EQ(h.steps.size(), 10u);
    for (size_t i = 0; i < 10; ++i)
        for (int e = 0; e < 5; ++e)
            EXPECT_EQ(h.counts[i * 5 + e], test::expectedLoad(100 + int64_t(i), 2, e));

    std::vector<PredictionRecord> preds;
    reader.forEachPrediction([&](const PredictionRecord& p) { preds.push_back(p); });
    ASSERT_EQ(preds.size(), 12u);
    for (int i = 0; i < 12; ++i) {
        const PredictionRecord want = prediction(i);
        auto it = std::find_if(preds.begin(), preds.end(), [&](const PredictionRecord& p) {
            return p.step == want.step && p.predictor == want.predictor;
        });
        ASSERT_NE(it, preds.end());
        EXPECT_EQ(it->horizon, want.horizon);
        EXPECT_EQ(it->layer, want.layer);
        EXPECT_DOUBLE_EQ(it->relativeError, want.relativeError);
        EXPECT_DOUBLE_EQ(it->absoluteError, want.absoluteError);
        EXPECT_DOUBLE_EQ(it->gpsError, want.gpsError);
        EXPECT_DOUBLE_EQ(it->maxExpertError, want.maxExpertError);
        EXPECT_EQ(it->shares, want.shares);
    }
    std::vector<DecisionRecord> decs;
    reader.forEachDecision([&](const DecisionRecord& d) { decs.push_back(d); });
    ASSERT_EQ(decs.size(), 6u);
    for (int i = 0; i < 6; ++i) {
        const DecisionRecord want = decision(i);
        EXPECT_EQ(decs[i].step, want.step);  // ordered by step
        EXPECT_EQ(decs[i].layer, want.layer);
        EXPECT_EQ(decs[i].policy, want.policy);
        EXPECT_EQ(decs[i].replicas, want.replicas);
        EXPECT_EQ(decs[i].slotRanks, want.slotRanks);
        EXPECT_DOUBLE_EQ(decs[i].balancednessBefore, want.balancednessBefore);
        EXPECT_DOUBLE_EQ(decs[i].balancednessAfter, want.balancednessAfter);
        EXPECT_EQ(decs[i].movedExperts, want.movedExperts);
        EXPECT_EQ(decs[i].movedBytes, want.movedBytes);
    }
    const auto summary = reader.predictionSummary();
    EXPECT_EQ(summary.size(), 6u);  // 2 predictors x 3 horizons

    bool sawStepMetric = false;
    for (const MetricRecord& m : reader.metrics())
        if (m.key == "custom.loss" && m.step) {
            EXPECT_EQ(*m.step, 42);
            EXPECT_DOUBLE_EQ(m.value, 0.75);
            sawStepMetric = true;
        }
    EXPECT_TRUE(sawStepMetric);

    // The recorded headline metrics are the engine's RunSummary, and recomputing them from
    // the stored steps gives the same numbers.
    const auto recorded = reader.runMetrics();
    EXPECT_DOUBLE_EQ(recorded.at("custom.loss"), 1.5);
    std::map<std::string, double> want;
    for (const MetricRecord& m : summaryMetrics(expected, 0)) want[m.key] = m.value;
    RunSummary again;
    reader.forEachStep([&](const StepTelemetry& t) { again.add(t); });
    for (const MetricRecord& m : summaryMetrics(again, 0)) {
        EXPECT_NEAR(recorded.at(m.key), want.at(m.key), 1e-12 * (1 + std::abs(want.at(m.key))))
            << m.key;
        EXPECT_NEAR(m.value, want.at(m.key), 1e-12 * (1 + std::abs(want.at(m.key)))) << m.key;
    }
    EXPECT_EQ(recorded.at(metric::kSteps), steps);
}

TEST(StoreRoundTrip, ListFiltersTagsNotesAndDelete) {
    test::ScratchDir dir;
    const std::string path = dir.path("list.sqlite");
    for (int i = 0; i < 3; ++i) {
        RunInfo info = test::testRunInfo();
        info.name = "run-" + std::to_string(i);
        info.tags = {i == 1 ? "special" : "plain"};
        RunRecorder rec(path, info);
        rec.record(makeFrame(0));
        rec.finish(i == 2 ? RunStatus::Failed : RunStatus::Finished, i == 2 ? "boom" : "");
    }
    ExperimentStore store(path);
    EXPECT_EQ(store.listRuns().size(), 3u);
    RunFilter byTag;
    byTag.tag = "special";
    ASSERT_EQ(store.listRuns(byTag).size(), 1u);
    EXPECT_EQ(store.listRuns(byTag)[0].name, "run-1");
    RunFilter failed;
    failed.status = RunStatus::Failed;
    ASSERT_EQ(store.listRuns(failed).size(), 1u);
    EXPECT_EQ(store.listRuns(failed)[0].error, "boom");
    RunFilter search;
    search.search = "RUN-2";
    EXPECT_EQ(store.listRuns(search).size(), 1u);

    EXPECT_EQ(store.resolveRun("run-1"), 2);
    EXPECT_EQ(store.resolveRun("last"), 3);
    EXPECT_EQ(store.resolveRun("1"), 1);
    store.addTags(1, {"x", "y"});
    store.removeTags(1, {"plain", "x"});
    EXPECT_EQ(store.run(1).tags, std::vector<std::string>{"y"});
    store.setNotes(1, "line one\nline two");
    EXPECT_EQ(store.run(1).notes, "line one\nline two");

    store.deleteRun(2);
    EXPECT_EQ(store.listRuns().size(), 2u);
    test::RawDb raw(path);
    for (const char* table : {"steps", "loads", "rank_stats", "metrics", "run_tags"})
        EXPECT_EQ(raw.integer(std::string("SELECT count(*) FROM ") + table + " WHERE run_id = 2"),
                  0)
            << table;
    EXPECT_EQ(raw.integer("SELECT count(*) FROM loads WHERE run_id = 1"), 3);
}

TEST(StoreRoundTrip, FlushCommitsWithoutWaitingForTheInterval) {
    test::ScratchDir dir;
    const std::string path = dir.path("flush.sqlite");
    RecorderOptions options;
    options.batchInterval = std::chrono::hours(1);
    RunRecorder rec(path, test::testRunInfo(), options);
    for (int s = 0; s < 10; ++s) rec.record(makeFrame(s));
    rec.flush();
    EXPECT_EQ(test::RawDb(path).integer("SELECT count(*) FROM steps"), 10);
    EXPECT_EQ(rec.stats().committedSteps, 10);
    rec.record(makeFrame(10));
    rec.finish(RunStatus::Finished);
    EXPECT_EQ(test::RawDb(path).integer("SELECT steps FROM experiments"), 11);
}

TEST(StoreRoundTrip, NewFileUsesTheCurrentSchemaAndWal) {
    test::ScratchDir dir;
    const std::string path = dir.path("sub/folder/new.sqlite");  // folders are created
    RunRecorder rec(path, test::testRunInfo());
    rec.finish(RunStatus::Finished);
    test::RawDb raw(path);
    EXPECT_EQ(raw.integer("PRAGMA user_version"), kSchemaVersion);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(raw.text("SELECT status FROM experiments WHERE id = 1"), "finished");
}

TEST(StoreRoundTrip, StepWindowsAndStepNumbers) {
    // The GUI's scrubbing reads a window of steps; it must get exactly those, intact.
    test::ScratchDir dir;
    const std::string path = dir.path("runs.sqlite").string();
    int64_t id = 0;
    {
        RunRecorder recorder(path, test::testRunInfo());
        id = recorder.runId();
        for (int64_t s = 0; s < 40; s += 2) recorder.record(makeFrame(s));  // even steps only
        recorder.finish(RunStatus::Finished);
    }
    ExperimentStore store(path);
    RunReader reader(store.connection(), store.run(id));
    const std::vector<int64_t> steps = reader.stepNumbers();
    ASSERT_EQ(steps.size(), 20u);
    EXPECT_EQ(steps.front(), 0);
    EXPECT_EQ(steps.back(), 38);
    std::vector<int64_t> seen;
    reader.forEachStep(
        [&](const StepTelemetry& t) {
            seen.push_back(t.step);
            EXPECT_EQ(t.loads.at(2, 4), test::expectedLoad(t.step, 2, 4));
            EXPECT_EQ(t.rankRowsAt(1, 1), t.step * 100 + 11);
        },
        11, 20);
    EXPECT_EQ(seen, (std::vector<int64_t>{12, 14, 16, 18, 20}));
    seen.clear();
    reader.forEachStep([&](const StepTelemetry& t) { seen.push_back(t.step); }, 100, 200);
    EXPECT_TRUE(seen.empty());
}

}  // namespace
}  // namespace moe::store
