// In-process checks of the prediction error and placement views, offscreen: curves and their
// rolling window, legend toggling, phase shading, replica grid and the rebalance summary line.
// Plain data in, widget state out; no engine involved.
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <QApplication>

#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"

namespace {
void ensureApp() {
    if (QApplication::instance()) return;
    static int argc = 1;
    static char name[] = "moe_gui_tests";
    static char* argv[] = {name, nullptr};
    new QApplication(argc, argv);
}
}  // namespace

TEST(PredictionErrorView, CurvesRollAndShadeTransientPhases) {
    ensureApp();
    moe::widgets::PredictionErrorView view;
    view.setWindow(100);
    view.setPredictors({"sw_avg", "arima", "dist_only"}, 1, 2);
    EXPECT_EQ(view.curves(), 3);
    for (int64_t s = 0; s < 300; ++s) {
        for (int p = 0; p < 3; ++p) view.appendError(p, s, 0.1 * (p + 1));
        view.appendPhase(s, {static_cast<uint8_t>(s >= 150), static_cast<uint8_t>(s >= 150)});
    }
    view.refresh();
    EXPECT_LE(view.points(0), 100);
    EXPECT_GE(view.points(0), 99);
    auto* plot = view.findChild<QCustomPlot*>();
    ASSERT_NE(plot, nullptr);
    EXPECT_EQ(plot->itemCount(), 0) << "the last 100 steps are all stable: no shading";
    view.clear();
    view.setPredictors({"sw_avg"}, 4, 2);
    for (int64_t s = 0; s < 50; ++s) {
        view.appendError(0, s, 0.5);
        view.appendPhase(s, {static_cast<uint8_t>(s >= 20), static_cast<uint8_t>(s >= 20)});
    }
    view.refresh();
    EXPECT_EQ(plot->itemCount(), 1) << "one transient segment, steps 0-19";
}

TEST(PlacementView, ShowsReplicaCountsAndTheRebalanceLine) {
    ensureApp();
    moe::widgets::PlacementView view;
    const int L = 2, G = 2, E = 3;
    std::vector<int> counts(L * G * E, 0);
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e) counts[(l * G + e % G) * E + e] = 1;
    counts[(0 * G + 1) * E + 0] = 2;  // expert 0 of layer 0 also on rank 1, twice
    std::vector<uint8_t> changed(L * E, 0);
    changed[0] = 1;
    view.setPlacement(L, G, E, counts, changed);
    auto* plot = view.findChild<QCustomPlot*>();
    ASSERT_NE(plot, nullptr);
    // Three experts with one replica, one cell with two, one changed-expert outline.
    EXPECT_EQ(plot->itemCount(), 4 + 1);
    view.setRebalance({50, 0.8, 0.95, 7, size_t(3) << 20});
    EXPECT_TRUE(view.summaryText().contains("rebalance at step 50"));
    EXPECT_TRUE(view.summaryText().contains("0.800 -> 0.950"));
    EXPECT_TRUE(view.summaryText().contains("moved 7 experts"));
    EXPECT_TRUE(view.summaryText().contains("3.0 MiB"));
}
