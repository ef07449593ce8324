// The what-if view and the main window's What-if matrix: the grid is predictors x policies for
// the chosen schedule, coloured by gap closed; a click plots that combination beside both
// bounds; the window runs the panel's experiment as a matrix off the GUI thread, shows it,
// stores it, and reopens the stored matrix from the browser.
#include "widgets/whatif_view.h"

#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <QComboBox>
#include <QImage>
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
    EXPECT_TRUE(view.curveTitle().startsWith("last x eplb")) << view.curveTitle().toStdString();
    view.showCurve(1, 1);  // ema x gps
    EXPECT_EQ(view.curveCount(), 3) << "the combination, contiguous and gps's oracle";
    EXPECT_TRUE(view.curveTitle().startsWith("ema x gps")) << view.curveTitle().toStdString();
    view.showCurve(9, 9);
    EXPECT_EQ(view.curveCount(), 0);
    view.setMatrix("empty", {});
    EXPECT_EQ(view.grid()->rowCount(), 0);
}

// Colours are only as good as their legend: the scale under the grid draws colourFor's ends.
TEST(WhatIfView, TheColourScaleShowsTheCellsColours) {
    moe::test::ensureApp();
    WhatIfView view;
    view.setMatrix("matrix", sample());
    QWidget* scale = view.colourScale();
    scale->resize(400, scale->sizeHint().height());
    const QImage image = scale->grab().toImage();
    const auto near = [](QColor a, QColor b) {
        return std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) +
                   std::abs(a.blue() - b.blue()) <
               30;
    };
    // Sample the bar's row a few pixels in from either end (the labels' half-widths pad it).
    int left = -1, right = -1;
    const int y = 4;
    for (int x = 0; x < image.width(); ++x)
        if (near(image.pixelColor(x, y), WhatIfView::colourFor(-0.25))) {
            left = x;
            break;
        }
    for (int x = image.width() - 1; x >= 0; --x)
        if (near(image.pixelColor(x, y), WhatIfView::colourFor(1.0))) {
            right = x;
            break;
        }
    ASSERT_GE(left, 0) << "no full red at the scale's low end";
    ASSERT_GT(right, left) << "no full green at the scale's high end";
    // -25%..100%: the middle is 37.5%.
    EXPECT_TRUE(near(image.pixelColor((left + right) / 2, y), WhatIfView::colourFor(0.375)));
    // Beyond the scale the colour holds; no run at all is grey, not white.
    EXPECT_EQ(WhatIfView::colourFor(1.4), WhatIfView::colourFor(1.0));
    EXPECT_EQ(WhatIfView::colourFor(-3), WhatIfView::colourFor(-0.25));
    EXPECT_NE(WhatIfView::colourFor(NAN), WhatIfView::colourFor(0));
}

TEST(WhatIfView, TheCurveIsDrawnBetweenItsDashedBoundsWithItsFigures) {
    moe::test::ensureApp();
    WhatIfView view;
    std::vector<WhatIfCell> rows = sample();
    rows[7].movedPerStep = 3.5;  // last x gps, every step
    rows[7].mibPerStep = 2048;
    rows[7].modelledMs = 0.25;
    view.setMatrix("matrix", rows);
    view.showCurve(0, 1);
    ASSERT_EQ(view.curveCount(), 3);
    QCustomPlot* plot = view.plot();
    EXPECT_TRUE(plot->graph(0)->name().startsWith("contiguous"));
    EXPECT_TRUE(plot->graph(1)->name().startsWith("oracle gps")) << "the policy's own oracle";
    EXPECT_EQ(plot->graph(0)->pen().style(), Qt::DashLine);
    EXPECT_EQ(plot->graph(1)->pen().style(), Qt::DashLine);
    EXPECT_EQ(plot->graph(2)->pen().style(), Qt::SolidLine);
    EXPECT_EQ(plot->graph(2)->dataCount(), 2);
    EXPECT_EQ(plot->legend->itemCount(), 3);
    const QString figures = view.summary();
    for (const char* part : {"last x gps", "1.110", "contiguous 1.200", "oracle 1.100", "90.0%",
                             "3.5 experts", "2.0\u00A0GiB", "250\u00A0us"})
        EXPECT_TRUE(figures.contains(QString::fromUtf8(part)))
            << part << " in " << figures.toStdString();
    // The curve's y axis reaches both bounds.
    EXPECT_LE(plot->yAxis->range().lower, 1.0);
    EXPECT_GE(plot->yAxis->range().upper, 1.2);
}

TEST(WhatIfView, AScheduleChangeKeepsTheShownCombination) {
    moe::test::ensureApp();
    WhatIfView view;
    view.setMatrix("matrix", sample());
    view.showCurve(1, 1);  // ema x gps, every step
    view.setSchedule("50");
    EXPECT_TRUE(view.curveTitle().startsWith("ema x gps, every 50 steps"))
        << view.curveTitle().toStdString();
    EXPECT_TRUE(view.cellText(1, 1).contains("70.0%"));
    EXPECT_TRUE(view.grid()->item(1, 1)->font().bold()) << "the shown cell is marked";
    EXPECT_FALSE(view.grid()->item(0, 0)->font().bold());
    view.grid()->cellClicked(0, 0);  // a click is what a user does
    EXPECT_TRUE(view.curveTitle().startsWith("last x eplb, every 50 steps"))
        << view.curveTitle().toStdString();
}

TEST(WhatIfView, RelabelledPlansAreAChoiceNotMoreColumns) {
    moe::test::ensureApp();
    WhatIfView view;
    view.setMatrix("plain", sample());
    EXPECT_EQ(view.variants(), QStringList{"as planned"});
    const auto* plans = view.findChild<QComboBox*>("whatIfPlans");
    ASSERT_NE(plans, nullptr);
    EXPECT_TRUE(plans->isHidden()) << "no choice to offer";
    std::vector<WhatIfCell> rows = sample();
    for (const WhatIfCell& c : sample()) {
        if (c.predictor == "contiguous") continue;
        WhatIfCell r = c;
        r.policy += "+relabel";
        r.relabelled = true;
        r.gapClosed = c.gapClosed / 2;  // not what the core gives; tells the columns apart
        rows.push_back(r);
    }
    view.setMatrix("relabel both", rows);
    EXPECT_EQ(view.variants(), (QStringList{"as planned", "relabelled", "all"}));
    EXPECT_EQ(view.variant(), "as planned");
    EXPECT_FALSE(plans->isHidden());
    EXPECT_EQ(view.policies(), (QStringList{"eplb", "gps"}));
    view.setVariant("relabelled");
    EXPECT_EQ(view.policies(), (QStringList{"eplb+relabel", "gps+relabel"}));
    EXPECT_TRUE(view.cellText(0, 1).contains("45.0%")) << view.cellText(0, 1).toStdString();
    EXPECT_EQ(view.curveCount(), 3);
    EXPECT_TRUE(view.plot()->graph(1)->name().contains("+relabel")) << "its own oracle";
    view.setVariant("all");
    EXPECT_EQ(view.policies().size(), 4);
}

TEST(WhatIfView, AStacksDefaultIsARowUnderThePredictorsOnEverySchedule) {
    moe::test::ensureApp();
    WhatIfView view;
    std::vector<WhatIfCell> rows = sample();
    WhatIfCell vllm = cell("vllm default: sw_avg:window=1000", "eplb", "3000", 0.05, 1.19);
    vllm.preset = "vllm";
    rows.insert(rows.begin() + 3, vllm);
    view.setMatrix("presets", rows);
    EXPECT_EQ(view.predictors(), (QStringList{"last", "ema", "vllm default"}));
    EXPECT_EQ(view.schedules(), (QStringList{"1", "50"})) << "a preset's schedule is its own";
    EXPECT_TRUE(view.cellText(2, 0).contains("5.0%"));
    EXPECT_EQ(view.cellText(2, 1), "-") << "vLLM's default is EPLB only";
    EXPECT_EQ(view.cellColour(2, 1), WhatIfView::colourFor(NAN));
    view.setSchedule("50");
    EXPECT_TRUE(view.cellText(2, 0).contains("5.0%"));
    view.showCurve(2, 0);
    EXPECT_TRUE(view.curveTitle().startsWith("vllm default x eplb, every 3000 steps"))
        << view.curveTitle().toStdString();
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
