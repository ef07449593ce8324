// The what-if view and the main window's What-if matrix: the grid is predictors x policies for
// the chosen schedule, coloured by gap closed; a click plots that combination beside both
// bounds; the window runs the panel's experiment as a matrix off the GUI thread, shows it,
// stores it, and reopens the stored matrix from the browser.
#include "widgets/whatif_view.h"

#include <gtest/gtest.h>

#include <QTableWidget>
#include <QTemporaryDir>
#include <memory>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_config.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "core/store/experiment_store.h"
#include "tests/gui/gui_test_support.h"
#include "widgets/strategy_map_view.h"

namespace {

using moe::widgets::WhatIfCell;
using moe::widgets::WhatIfView;

WhatIfCell cell(const char* predictor, const char* policy, const char* schedule, double gap,
                double slowest) {
    WhatIfCell c;
    c.predictor = predictor;
    c.policy = policy;
    c.schedule = schedule;
    c.gapClosed = gap;
    c.slowestOverIdeal = slowest;
    c.curve = {static_cast<float>(slowest), static_cast<float>(slowest)};
    return c;
}

std::vector<WhatIfCell> sample() {
    return {cell("contiguous", "-", "0", 0, 1.2), cell("oracle", "eplb", "1", 1, 1.0),
            cell("last", "eplb", "1", 0.6, 1.08), cell("last", "eplb", "50", 0.4, 1.12),
            cell("ema", "eplb", "1", -0.1, 1.22), cell("ema", "eplb", "50", 0.5, 1.1),
            cell("oracle", "gps", "1", 1, 1.1),   cell("last", "gps", "1", 0.9, 1.11),
            cell("last", "gps", "50", 0.2, 1.18), cell("ema", "gps", "1", 0.3, 1.17),
            cell("ema", "gps", "50", 0.7, 1.13)};
}

TEST(WhatIfView, GridIsPredictorsByPoliciesColouredByGapClosed) {
    moe::test::ensureApp();
    WhatIfView view;
    view.setMatrix("matrix", sample());
    EXPECT_EQ(view.predictors(), (QStringList{"last", "ema"}));
    EXPECT_EQ(view.policies(), (QStringList{"eplb", "gps"}));
    EXPECT_EQ(view.schedules(), (QStringList{"1", "50"}));
    EXPECT_EQ(view.schedule(), "1");
    EXPECT_TRUE(view.cellText(0, 1).contains("90.0%")) << view.cellText(0, 1).toStdString();
    EXPECT_TRUE(view.cellText(1, 0).contains("-10.0%"));
    // More of the gap, deeper green; below zero, red.
    EXPECT_LT(view.cellColour(0, 1).red(), view.cellColour(0, 0).red());
    EXPECT_GT(view.cellColour(1, 0).red(), view.cellColour(1, 0).green());
    view.setSchedule("50");
    EXPECT_TRUE(view.cellText(1, 1).contains("70.0%"));
    EXPECT_TRUE(view.cellText(0, 0).contains("40.0%"));
}

TEST(WhatIfView, ItOpensOnTheLowestSlowestAndAClickPlotsItBesideBothBounds) {
    moe::test::ensureApp();
    WhatIfView view;
    view.setMatrix("matrix", sample());
    // Every step: last x eplb leaves 1.08, the lowest.
    EXPECT_EQ(view.curveCount(), 3);
    EXPECT_TRUE(view.curveTitle().startsWith("last, eplb")) << view.curveTitle().toStdString();
    view.showCurve(1, 1);  // ema x gps
    EXPECT_EQ(view.curveCount(), 3) << "the combination, contiguous and gps's oracle";
    EXPECT_TRUE(view.curveTitle().startsWith("ema, gps")) << view.curveTitle().toStdString();
    view.showCurve(9, 9);
    EXPECT_EQ(view.curveCount(), 0);
    view.setMatrix("empty", {});
    EXPECT_EQ(view.grid()->rowCount(), 0);
}

// The window's Run > What-if matrix on a small synthetic experiment: runs, is shown, is
// stored as a run, and opens again from the browser into the view.
TEST(WhatIfWindow, RunsTheMatrixShowsItStoresItAndReopensIt) {
    moe::test::ensureApp();
    QTemporaryDir dir;
    const QString db = dir.filePath("whatif.sqlite");
    setenv("MOE_DB", db.toLocal8Bit().constData(), 1);
    QStringList messages;
    auto window = std::make_unique<moe::gui::MainWindow>(false);
    window->setMessageHandler(
        [&](const QString& title, const QString& text) { messages << title + ": " + text; });
    moe::gui::ExperimentConfig c = moe::gui::defaultGuiConfig();
    c.workload.spec = "synthetic:layers=2,experts=8,top_k=2,tokens=128,skew=2.5,drift=0.02";
    c.workload.batching = "tokens";
    c.workload.steps = 40;
    c.prediction.predictors = {"last", "sw_avg:window=10", "t2e_freq"};
    c.recording.database = db.toStdString();
    window->panel()->setConfig(c);
    ASSERT_TRUE(window->runWhatIfMatrix()) << messages.join("\n").toStdString();
    ASSERT_TRUE(moe::test::waitUntil([&] { return !window->whatIfJob().running(); }, 60000));
    EXPECT_TRUE(messages.isEmpty()) << messages.join("\n").toStdString();
    WhatIfView* view = window->whatIfView();
    EXPECT_EQ(view->predictors().size(), 3);
    EXPECT_EQ(view->policies(), (QStringList{"eplb", "gps", "fastermoe"}));
    EXPECT_EQ(view->curveCount(), 3);
    moe::store::ExperimentStore store(db.toStdString());
    ASSERT_EQ(store.listRuns().size(), 1u);
    const int64_t id = store.listRuns()[0].id;
    view->setMatrix("cleared", {});
    ASSERT_TRUE(moe::test::waitUntil([&] { return window->browser()->isOpen(); }, 5000));
    ASSERT_TRUE(window->openStoredRun(id)) << messages.join("\n").toStdString();
    EXPECT_EQ(view->predictors().size(), 3) << "the stored matrix, reopened";
    // The strategy map now stands on the matrix's measured figures, the rest marked assumed.
    const moe::widgets::StrategyMapView* map = window->strategyMap();
    EXPECT_TRUE(map->title().contains("measured in run")) << map->title().toStdString();
    EXPECT_TRUE(map->strategyNames().join(",").contains("last eplb/1"))
        << map->strategyNames().join(",").toStdString();
    EXPECT_TRUE(map->strategyNames().join(",").contains("(assumed)"));
    window.reset();
    unsetenv("MOE_DB");
}

}  // namespace
