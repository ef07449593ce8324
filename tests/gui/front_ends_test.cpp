// The three front ends on one experiment: a GUI run, `run` and `predict` of the same config
// store the same per-step loads and the same prediction errors; a GUI run re-runs from the CLI
// and a CLI run from the browser's Re-run; token-to-expert predictors are compared live.
#include <gtest/gtest.h>

#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <cstdio>
#include <memory>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_config.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "tests/gui/gui_test_support.h"
#include "widgets/comparison_table.h"
#include "widgets/prediction_error_view.h"

namespace {

using moe::gui::MainWindow;

#ifdef MOE_CLI_PATH
class FrontEndsTest : public ::testing::Test {
protected:
    void SetUp() override {
        moe::test::ensureApp();
        ASSERT_TRUE(dir_.isValid());
        db_ = dir_.filePath("runs.sqlite");
        setenv("MOE_DB", db_.toLocal8Bit().constData(), 1);
        window_ = std::make_unique<MainWindow>(false);
        window_->setMessageHandler(
            [this](const QString& t, const QString& text) { messages_ << t + ": " + text; });
        window_->resize(1400, 900);
        window_->show();
    }
    void TearDown() override {
        window_.reset();
        unsetenv("MOE_DB");
    }
    // The CLI's exit code; its output goes to `output_`.
    int cli(const std::string& args) {
        const std::string cmd = std::string("'") + MOE_CLI_PATH + "' " + args + " --db '" +
                                db_.toStdString() + "' 2>&1 </dev/null";
        output_.clear();
        FILE* p = popen(cmd.c_str(), "r");
        if (!p) return -1;
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) output_.append(buf, n);
        return WEXITSTATUS(pclose(p));
    }
    // A stored table of run `id` as CSV text.
    QByteArray records(int64_t id, const QString& what) {
        const QString path = dir_.filePath(QString("%1-%2.csv").arg(what).arg(id));
        QString error;
        EXPECT_GE(moe::gui::exportRunRecords(db_, id, what, "csv", path, &error), 0)
            << error.toStdString();
        QFile f(path);
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }
    bool runGui(const moe::gui::ExperimentConfig& c) {
        window_->panel()->setConfig(c);
        window_->startRun();
        return moe::test::waitUntil([this] { return !window_->runInProgress(); }, 120000);
    }
    static moe::gui::ExperimentConfig syntheticConfig() {
        moe::gui::ExperimentConfig c = moe::gui::defaultGuiConfig();
        c.workload.spec = "synthetic:layers=3,experts=8,top_k=2,tokens=48,skew=2,drift=0.05";
        c.workload.batching = "tokens";
        c.workload.steps = 30;
        c.model.ranks = 2;
        c.model.hidden = 16;
        c.model.ffn = 16;
        c.prediction.predictors = {"sw_avg:window=5", "t2e_freq"};
        c.prediction.horizons = {1};
        c.prediction.phases = false;
        c.rebalance.policy = "none";
        return c;
    }
    static constexpr const char* kWorkloadFlags =
        "-w 'synthetic:layers=3,experts=8,top_k=2,tokens=48,skew=2,drift=0.05' "
        "--batching tokens --steps 30";

    QTemporaryDir dir_;
    QString db_;
    std::unique_ptr<MainWindow> window_;
    QStringList messages_;
    std::string output_;
};

TEST_F(FrontEndsTest, GuiRunAndPredictStoreTheSameLoadsAndErrors) {
    ASSERT_TRUE(runGui(syntheticConfig()));
    ASSERT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    const int64_t gui = window_->runner().runId();
    ASSERT_EQ(cli(std::string("run ") + kWorkloadFlags +
                  " --ranks 2 --hidden 16 --ffn 16 --compare sw_avg:window=5 "
                  "--compare t2e_freq --horizons 1 -q"),
              0)
        << output_;
    ASSERT_EQ(
        cli(std::string("predict ") + kWorkloadFlags + " -p sw_avg:window=5 -p t2e_freq -H 1"), 0)
        << output_;
    const QByteArray loads = records(gui, "loads"), errors = records(gui, "predictions");
    EXPECT_GT(loads.count('\n'), 30 * 3 * 8);
    EXPECT_GT(errors.count('\n'), 2 * 29 * 3);
    for (int64_t cliRun : {gui + 1, gui + 2}) {
        EXPECT_EQ(records(cliRun, "loads"), loads) << "run " << cliRun;
        EXPECT_EQ(records(cliRun, "predictions"), errors) << "run " << cliRun;
    }
}

TEST_F(FrontEndsTest, AGuiRunRerunsFromTheCliAndACliRunFromTheBrowser) {
    moe::gui::ExperimentConfig c = syntheticConfig();
    c.rebalance.policy = "eplb";
    c.rebalance.every = 10;
    ASSERT_TRUE(runGui(c));
    const int64_t gui = window_->runner().runId();
    ASSERT_EQ(cli("run --from " + std::to_string(gui) + " -q"), 0) << output_;
    EXPECT_EQ(records(gui + 1, "loads"), records(gui, "loads"));
    EXPECT_EQ(records(gui + 1, "decisions"), records(gui, "decisions"));

    ASSERT_EQ(cli(std::string("run ") + kWorkloadFlags +
                  " --ranks 2 --hidden 16 --ffn 16 --seed 5 --policy gps --rebalance-every 7 -q"),
              0)
        << output_;
    const int64_t fromCli = gui + 2;
    window_->browser()->openDatabase(db_);
    ASSERT_TRUE(window_->rerunStoredRun(fromCli));
    ASSERT_TRUE(moe::test::waitUntil([this] { return !window_->runInProgress(); }, 120000));
    ASSERT_EQ(window_->runner().runId(), fromCli + 1);
    EXPECT_EQ(records(fromCli + 1, "loads"), records(fromCli, "loads"));
    EXPECT_EQ(records(fromCli + 1, "decisions"), records(fromCli, "decisions"));
    EXPECT_TRUE(messages_.isEmpty()) << messages_.join('\n').toStdString();
}

TEST_F(FrontEndsTest, TokenAndLoadPredictorsAreComparedLiveAndInTheTable) {
    moe::gui::ExperimentConfig c = moe::gui::defaultGuiConfig();
    c.workload.spec =
        "train:blocks=2,width=32,heads=2,experts=8,top_k=2,ffn=32,context=16,batch=4,steps=30";
    c.prediction.predictors = {"t2e_freq", "t2e_position", "sw_avg"};
    c.prediction.horizons = {1, 10};
    c.rebalance.policy = "none";
    ASSERT_TRUE(runGui(c));
    ASSERT_EQ(window_->runner().state(), moe::gui::RunState::Finished) << window_->runner().error();
    for (int p = 0; p < 3; ++p) EXPECT_GT(window_->errorView()->points(p), 10) << p;
    QTableWidget* t = window_->comparisonTable()->predictorTable();
    int tokenRows = 0;
    for (int r = 0; r < t->rowCount(); ++r) {
        const QString name = t->item(r, moe::widgets::ComparisonTable::kPredName)->text();
        const QString acc = t->item(r, moe::widgets::ComparisonTable::kPredAccuracy)->text();
        if (name.startsWith("t2e_")) {
            ++tokenRows;
            EXPECT_TRUE(acc.endsWith('%')) << name.toStdString() << " " << acc.toStdString();
        } else {
            EXPECT_FALSE(acc.endsWith('%')) << name.toStdString();
        }
    }
    EXPECT_EQ(tokenRows, 2);
    EXPECT_EQ(t->rowCount(), 4);  // sw_avg at 1 and 10 steps, each t2e at 1
}
#else
TEST(FrontEndsTest, NeedsTheCli) { GTEST_SKIP() << "built without the CLI: nothing to compare"; }
#endif

}  // namespace
