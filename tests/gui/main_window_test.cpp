// The main window end to end, offscreen and in-process, as issue 6 asks: start the default
// experiment (shortened), wait for steps, check every view holds data, stop a second run
// mid-way, reopen the first from the store and scrub it, overlay both runs, compare them, and
// export every view to PNG, PDF and SVG and a run's records to CSV and JSON. Also: a bad trace
// gives a message and the window lives on.
#include "app/gui/main_window.h"

#include <gtest/gtest.h>

#include <QAction>
#include <QApplication>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_config.h"
#include "app/gui/experiment_panel.h"
#include "core/imports/import_routing.h"
#include "core/imports/recording_cache.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "tests/gui/gui_test_support.h"
#include "widgets/comparison_table.h"
#include "widgets/export_util.h"
#include "widgets/load_heatmap_view.h"
#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"
#include "widgets/rank_balance_view.h"
#include "widgets/strategy_map_view.h"

namespace {

using moe::gui::MainWindow;

class MainWindowTest : public ::testing::Test {
protected:
    void SetUp() override {
        moe::test::ensureApp();
        ASSERT_TRUE(dir_.isValid());
        db_ = dir_.filePath("runs.sqlite");
        setenv("MOE_DB", db_.toLocal8Bit().constData(), 1);
        window_ = std::make_unique<MainWindow>(false);
        window_->setMessageHandler([this](const QString& title, const QString& text) {
            messages_ << title + ": " + text;
        });
        window_->resize(1400, 900);
        window_->show();
    }
    void TearDown() override {
        window_.reset();
        unsetenv("MOE_DB");
    }

    // The default experiment, shortened: past the rebalances at 50 and 100 steps.
    moe::gui::ExperimentConfig shortDefault(int64_t steps) {
        moe::gui::ExperimentConfig c = moe::gui::defaultGuiConfig();
        c.workload.steps = steps;
        c.prediction.horizons = {1, 10};
        return c;
    }
    bool runToEnd(int timeoutMs = 120000) {
        window_->startRun();
        return moe::test::waitUntil([this] { return !window_->runInProgress(); }, timeoutMs);
    }

    QTemporaryDir dir_;
    QString db_;
    QStringList messages_;
    std::unique_ptr<MainWindow> window_;
};

TEST_F(MainWindowTest, DefaultRunFillsEveryViewAndIsRecorded) {
    window_->panel()->setConfig(shortDefault(120));
    ASSERT_TRUE(runToEnd());
    EXPECT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_EQ(window_->stepsSeen(), 120);
    EXPECT_GT(window_->heatmapView()->columns(), 100);
    EXPECT_EQ(window_->heatmapView()->currentStep(), 119);
    EXPECT_GT(window_->balanceView()->points(), 100);
    EXPECT_EQ(window_->errorView()->curves(), 3);
    EXPECT_GT(window_->errorView()->points(0), 50);  // sw_avg at H=1
    EXPECT_TRUE(window_->placementView()->summaryText().contains("100"))
        << window_->placementView()->summaryText().toStdString();
    EXPECT_EQ(window_->comparisonTable()->predictorTable()->rowCount(), 6);  // 3 x 2 horizons
    EXPECT_EQ(window_->comparisonTable()->policyTable()->rowCount(), 1);
    // The map follows the run: GPT-OSS-20B's 32 experts top-4 reach skew E/k = 8, so the
    // paper's 5 skews (1.2..2) gain 3, 4, 6 and 8, at 4 bandwidths.
    EXPECT_EQ(window_->strategyMap()->cellCount(), 9 * 4);
    EXPECT_FALSE(window_->strategyMap()->cellText(8, 0).isEmpty());
    EXPECT_TRUE(messages_.isEmpty()) << messages_.join('\n').toStdString();

    // Recorded: the browser lists the run with all its steps.
    ASSERT_GT(window_->runner().runId(), 0);
    moe::store::ExperimentStore store(db_.toStdString());
    const auto run = store.run(window_->runner().runId());
    EXPECT_EQ(run.steps, 120);
    EXPECT_EQ(run.status, moe::store::RunStatus::Finished);
    EXPECT_EQ(window_->browser()->visibleRunCount(), 1);
}

TEST_F(MainWindowTest, StopReopenScrubOverlayCompareAndExport) {
    window_->panel()->setConfig(shortDefault(120));
    ASSERT_TRUE(runToEnd());
    const int64_t first = window_->runner().runId();

    // A second run, stopped mid-way: kept as interrupted with the steps it made.
    moe::gui::ExperimentConfig second = shortDefault(0);
    second.rebalance.policy = "gps";
    window_->panel()->setConfig(second);
    window_->startRun();
    ASSERT_TRUE(moe::test::waitUntil([this] { return window_->stepsSeen() >= 60; }, 120000));
    window_->stopRun();
    ASSERT_FALSE(window_->runner().live());
    const int64_t secondId = window_->runner().runId();
    ASSERT_NE(secondId, first);
    {
        moe::store::ExperimentStore store(db_.toStdString());
        const auto run = store.run(secondId);
        EXPECT_EQ(run.status, moe::store::RunStatus::Interrupted);
        EXPECT_GE(run.steps, 60);
    }

    // Reopen the first and scrub to step 60: the views show steps up to 60 and the placement
    // decided at step 50.
    ASSERT_TRUE(window_->openStoredRun(first)) << messages_.join('\n').toStdString();
    EXPECT_EQ(window_->replayRunId(), first);
    EXPECT_EQ(window_->heatmapView()->currentStep(), 119);
    window_->scrubTo(60);
    EXPECT_EQ(window_->heatmapView()->currentStep(), 60);
    EXPECT_EQ(window_->heatmapView()->columns(), 61);
    EXPECT_GT(window_->errorView()->points(0), 10);
    EXPECT_TRUE(window_->placementView()->summaryText().contains("50"))
        << window_->placementView()->summaryText().toStdString();

    // Overlay both runs: one balancedness curve per run, one error curve per run and predictor.
    ASSERT_TRUE(window_->overlayRuns({first, secondId}));
    EXPECT_EQ(window_->balanceView()->overlayCount(), 2);
    EXPECT_EQ(window_->errorView()->overlayCount(), 6);
    // MOE_GUI_SHOTS=DIR: keep a picture of a stored run with overlays (docs/screenshots).
    if (const char* shots = std::getenv("MOE_GUI_SHOTS")) {
        if (auto* browserDock = window_->findChild<QDockWidget*>("experimentsDock"))
            browserDock->raise();
        moe::test::waitUntil([] { return false; }, 300);
        EXPECT_TRUE(window_->grab().save(QString(shots) + "/stored-run-overlay.png"));
    }
    window_->clearOverlays();
    EXPECT_EQ(window_->balanceView()->overlayCount(), 0);

    // Compare: each run's predictors (3 x 2 horizons) and its policy.
    window_->closeReplay();
    ASSERT_TRUE(window_->compareRuns({first, secondId}));
    EXPECT_GE(window_->comparisonTable()->predictorTable()->rowCount(), 12);
    EXPECT_GE(window_->comparisonTable()->policyTable()->rowCount(), 2);

    // Export every view to each format, checking the files' headers.
    for (const auto& [title, view] : window_->exportableViews()) {
        for (const QString& ext :
             {QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("svg")}) {
            if (ext == "svg" && !moe::widgets::svgExportSupported()) continue;
            const QString path = dir_.filePath(title + "." + ext);
            QString error;
            ASSERT_TRUE(moe::widgets::exportWidget(view, path, &error))
                << title.toStdString() << " " << error.toStdString();
            QFile f(path);
            ASSERT_TRUE(f.open(QIODevice::ReadOnly));
            const QByteArray head = f.read(512);
            EXPECT_GT(f.size(), 1000) << path.toStdString();
            if (ext == "png") EXPECT_TRUE(head.startsWith("\x89PNG")) << path.toStdString();
            if (ext == "pdf") EXPECT_TRUE(head.startsWith("%PDF")) << path.toStdString();
            if (ext == "svg") EXPECT_TRUE(head.contains("<svg")) << path.toStdString();
        }
    }

    // A run's records: loads as CSV and decisions as JSON.
    QString error;
    const QString csv = dir_.filePath("loads.csv");
    // A header and one line per step, layer and expert.
    EXPECT_EQ(moe::gui::exportRunRecords(db_, first, "loads", "csv", csv, &error), 120 * 24 * 32)
        << error.toStdString();
    QFile f(csv);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll().count('\n'), 120 * 24 * 32 + 1);
    const QString json = dir_.filePath("decisions.json");
    EXPECT_GT(moe::gui::exportRunRecords(db_, first, "decisions", "json", json, &error), 0)
        << error.toStdString();
    EXPECT_TRUE(messages_.isEmpty()) << messages_.join('\n').toStdString();
}

TEST_F(MainWindowTest, BadTraceIsAMessageAndTheWindowLivesOn) {
    moe::gui::ExperimentConfig c = shortDefault(10);
    c.workload.spec = "trace:" + dir_.filePath("missing.tsv.gz").toStdString();
    window_->panel()->setConfig(c);
    ASSERT_TRUE(runToEnd(30000));
    EXPECT_EQ(window_->runner().state(), moe::gui::RunState::Failed);
    ASSERT_EQ(messages_.size(), 1);
    EXPECT_TRUE(messages_[0].contains("missing.tsv.gz")) << messages_[0].toStdString();
    // And a good run still works afterwards.
    messages_.clear();
    window_->panel()->setConfig(shortDefault(20));
    ASSERT_TRUE(runToEnd());
    EXPECT_EQ(window_->runner().state(), moe::gui::RunState::Finished);
    EXPECT_EQ(window_->stepsSeen(), 20);
}

// File > Open recording (and drag and drop): an SGLang dump becomes the panel's workload and
// runs; a file that is no recording is a message naming it, and the workload stays.
TEST_F(MainWindowTest, OpenRecordingMakesItTheWorkload) {
    const QString dump = QString(MOE_SOURCE_DIR) + "/tests/data/imports/sglang_stat.pt";
    moe::gui::ExperimentConfig c = shortDefault(6);
    c.prediction.predictors = {"sw_avg:window=2"};
    window_->panel()->setConfig(c);
    ASSERT_TRUE(window_->openRecording(dump)) << messages_.join('\n').toStdString();
    EXPECT_EQ(window_->panel()->config().workload.spec, dump.toStdString());
    EXPECT_TRUE(window_->statusText().contains("sglang stat"))
        << window_->statusText().toStdString();
    ASSERT_TRUE(runToEnd());
    EXPECT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_EQ(window_->stepsSeen(), 6);
    const QString bad = QString(MOE_SOURCE_DIR) + "/tests/data/imports/mixed.pt";
    EXPECT_FALSE(window_->openRecording(bad));
    ASSERT_EQ(messages_.size(), 1);
    EXPECT_TRUE(messages_[0].contains("mixed.pt")) << messages_[0].toStdString();
    EXPECT_EQ(window_->panel()->config().workload.spec, dump.toStdString());
}

// The menu and drag and drop read a recording on a worker thread: until it is read the status
// bar says what is being read, the cursor shows work going on, Open recording and a second read
// wait, and Start waits for the recording; then it is the workload and the run starts. A file
// that is no recording is a message naming it, and the status bar says again what it said.
// The read that checked a recording on opening it is the one its runs use: the window holds it
// while it is the panel's recording, and lets it go for the next.
TEST_F(MainWindowTest, AnOpenedRecordingIsReadOnceForItsRuns) {
    const std::string dump =
        std::string(MOE_SOURCE_DIR) + "/tests/data/imports/sglang_per_token_0.pt";
    ASSERT_TRUE(window_->openRecording(QString::fromStdString(dump)));
    auto shared = moe::importRoutingShared({dump});
    EXPECT_GE(shared.use_count(), 2) << "the window let the read recording go";
    const std::weak_ptr<const moe::ImportedRouting> first = shared;
    shared.reset();
    const std::string next = std::string(MOE_SOURCE_DIR) + "/tests/data/imports/npy/request_0.npy";
    ASSERT_TRUE(window_->openRecording(QString::fromStdString(next)));
    EXPECT_TRUE(first.expired()) << "the window still holds the recording it no longer uses";
}

TEST_F(MainWindowTest, ARecordingIsReadOffTheGuiThread) {
    const QString dump = QString(MOE_SOURCE_DIR) + "/tests/data/imports/sglang_per_token_0.pt";
    moe::gui::ExperimentConfig c = shortDefault(0);
    c.prediction.predictors = {"sw_avg:window=2"};
    window_->panel()->setConfig(c);
    QAction* open = nullptr;
    for (QAction* a : window_->findChildren<QAction*>())
        if (a->text() == "Open &recording...") open = a;
    ASSERT_NE(open, nullptr);
    ASSERT_TRUE(window_->openRecordingInBackground(dump));
    // The result comes back through the event loop, which has not run yet.
    EXPECT_TRUE(window_->readingRecording());
    EXPECT_TRUE(window_->statusText().startsWith("reading sglang_per_token_0.pt, "))
        << window_->statusText().toStdString();
    EXPECT_NE(QApplication::overrideCursor(), nullptr);
    EXPECT_FALSE(open->isEnabled());
    EXPECT_FALSE(window_->openRecordingInBackground(dump));
    EXPECT_FALSE(window_->rerunStoredRun(1));
    window_->startRun();
    EXPECT_FALSE(window_->runInProgress());  // it waits for the recording
    ASSERT_TRUE(moe::test::waitUntil([this] { return !window_->readingRecording(); }, 30000));
    EXPECT_EQ(window_->panel()->config().workload.spec, dump.toStdString());
    EXPECT_EQ(QApplication::overrideCursor(), nullptr);
    EXPECT_TRUE(open->isEnabled());
    ASSERT_EQ(messages_.size(), 1);  // the re-run refused while reading
    EXPECT_TRUE(messages_[0].contains("being read")) << messages_[0].toStdString();
    messages_.clear();
    ASSERT_TRUE(moe::test::waitUntil([this] { return !window_->runInProgress(); }, 60000));
    EXPECT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_EQ(window_->stepsSeen(), 2);  // the recording's two forward passes
    EXPECT_TRUE(messages_.isEmpty()) << messages_.join('\n').toStdString();

    const QString before = window_->statusText();
    const QString bad = QString(MOE_SOURCE_DIR) + "/tests/data/imports/mixed.pt";
    ASSERT_TRUE(window_->openRecordingInBackground(bad));
    ASSERT_TRUE(moe::test::waitUntil([this] { return !window_->readingRecording(); }, 30000));
    ASSERT_EQ(messages_.size(), 1);
    EXPECT_TRUE(messages_[0].contains("mixed.pt")) << messages_[0].toStdString();
    EXPECT_EQ(window_->panel()->config().workload.spec, dump.toStdString());
    EXPECT_EQ(window_->statusText(), before);
    EXPECT_EQ(QApplication::overrideCursor(), nullptr);
}

// A trace `import` wrote from a per-pass recording opens replaying the recorded steps, with the
// model's layer numbers in the status bar; a plain trace afterwards goes back to continuous.
TEST_F(MainWindowTest, AnImportedTraceOpensInItsRecordedSteps) {
    const QTemporaryDir dir;
    const std::string trace = (dir.path() + "/per_token.tsv.gz").toStdString();
    moe::writeNativeTrace(moe::importRouting({std::string(MOE_SOURCE_DIR) +
                                              "/tests/data/imports/sglang_per_token_0.pt"}),
                          trace);
    window_->panel()->setConfig(shortDefault(0));
    ASSERT_TRUE(window_->openRecording(QString::fromStdString(trace)))
        << messages_.join('\n').toStdString();
    EXPECT_EQ(window_->panel()->config().workload.batching, "recorded");
    EXPECT_TRUE(window_->statusText().contains("recorded steps"))
        << window_->statusText().toStdString();
    ASSERT_TRUE(runToEnd());
    EXPECT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_EQ(window_->stepsSeen(), 2);  // the dump's two forward passes
    const std::string plain = (dir.path() + "/plain.tsv.gz").toStdString();
    std::filesystem::copy_file(trace, plain);
    std::ofstream(dir.path().toStdString() + "/plain.shape") << "layers=4 experts=8 top_k=2\n";
    ASSERT_TRUE(window_->openRecording(QString::fromStdString(plain)));
    EXPECT_EQ(window_->panel()->config().workload.batching, "continuous");
}

TEST_F(MainWindowTest, CudaWithoutADeviceSaysWhyAndRunsOnTheCpu) {
    moe::gui::ExperimentConfig c = shortDefault(10);
    c.model.backend = "cuda";
    c.prediction.predictors = {"sw_avg:window=4"};
    window_->panel()->setConfig(c);
    ASSERT_TRUE(runToEnd());
    ASSERT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_EQ(window_->stepsSeen(), 10);
    moe::store::ExperimentStore store(db_.toStdString());
    const auto run = store.run(window_->runner().runId());
    if (run.configJson.find("\"recorded\":{\"backend\":\"cuda\"") != std::string::npos)
        GTEST_SKIP() << "a CUDA device is present: the fallback path is not taken here";
    ASSERT_EQ(messages_.size(), 1) << messages_.join('\n').toStdString();
    EXPECT_TRUE(messages_[0].contains("cuda")) << messages_[0].toStdString();
    EXPECT_TRUE(messages_[0].contains("CPU")) << messages_[0].toStdString();
    EXPECT_NE(run.configJson.find("\"backend\":\"cuda\""), std::string::npos) << run.configJson;
    EXPECT_NE(run.configJson.find("\"backend_note\":\"cuda:"), std::string::npos) << run.configJson;
}

TEST_F(MainWindowTest, TrainingWorkloadFeedsTheViews) {
    // Issue 8's live training run as a GUI workload: a tiny model, a few steps.
    moe::gui::ExperimentConfig c = moe::gui::defaultGuiConfig();
    c.workload.spec = "train:blocks=2,width=32,heads=2,experts=8,top_k=2,ffn=32,context=16,batch=4";
    c.workload.steps = 12;
    c.prediction.predictors = {"sw_avg:window=4"};
    c.prediction.horizons = {1};
    c.rebalance.policy = "eplb";
    c.rebalance.every = 5;
    window_->panel()->setConfig(c);
    ASSERT_TRUE(runToEnd());
    ASSERT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_EQ(window_->stepsSeen(), 12);
    EXPECT_EQ(window_->heatmapView()->columns(), 12);
    EXPECT_GT(window_->errorView()->points(0), 5);
}

TEST_F(MainWindowTest, MoeTunerFullModeRebalancesAndRecordsPerLayerDecisions) {
    // MoETuner's default (full) mode needs layer-to-layer transitions, which the engine's
    // rebalance controller now counts from the steps it runs; it once stopped the run.
    moe::gui::ExperimentConfig c = shortDefault(60);
    c.prediction.predictors = {"sw_avg:window=20"};
    c.prediction.horizons = {1};
    c.rebalance.policy = "moetuner";
    c.rebalance.extraSlots = 0;
    c.rebalance.every = 25;
    window_->panel()->setConfig(c);
    ASSERT_TRUE(runToEnd());
    ASSERT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    EXPECT_TRUE(messages_.isEmpty()) << messages_.join('\n').toStdString();
    moe::store::ExperimentStore store(db_.toStdString());
    moe::store::RunReader reader(store.connection(), store.run(window_->runner().runId()));
    int rows = 0;
    std::set<double> befores;
    reader.forEachDecision([&](const moe::store::DecisionRecord& d) {
        ++rows;
        befores.insert(d.balancednessBefore);
    });
    EXPECT_EQ(rows, 2 * 24);        // 2 rebalances x 24 layers
    EXPECT_GT(befores.size(), 1u);  // each layer row holds its own balancedness
}

TEST(MainWindowSettings, ConfigurationAndLayoutAreRemembered) {
    moe::test::ensureApp();
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    setenv("MOE_DB", dir.filePath("runs.sqlite").toLocal8Bit().constData(), 1);
    {
        MainWindow w(true);
        w.show();
        moe::gui::ExperimentConfig c = w.panel()->config();
        c.workload.steps = 77;
        c.rebalance.policy = "gps";
        c.prediction.horizons = {1, 5};
        w.panel()->setConfig(c);
        auto* dock = w.findChild<QDockWidget*>("strategyMapDock");
        ASSERT_NE(dock, nullptr);
        dock->hide();
        w.close();
    }
    MainWindow again(true);
    again.show();
    const moe::gui::ExperimentConfig c = again.panel()->config();
    EXPECT_EQ(c.workload.steps, 77);
    EXPECT_EQ(c.rebalance.policy, "gps");
    EXPECT_EQ(c.prediction.horizons, (std::vector<int>{1, 5}));
    auto* dock = again.findChild<QDockWidget*>("strategyMapDock");
    ASSERT_NE(dock, nullptr);
    EXPECT_FALSE(dock->isVisible());
    unsetenv("MOE_DB");
}

TEST(HorizonList, ParsesAndRefusesBadEntries) {
    EXPECT_THROW(moe::gui::parseHorizons("1, ten"), std::exception);
    EXPECT_THROW(moe::gui::parseHorizons(""), std::exception);
    EXPECT_EQ(moe::gui::parseHorizons(" 1,10 ,100"), (std::vector<int>{1, 10, 100}));
}

}  // namespace
