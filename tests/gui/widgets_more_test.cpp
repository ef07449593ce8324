// In-process checks of what the views added for the GUI issue: the load heatmap's all-layer
// snapshot and its hover text, forecast horizons and stored-run overlays in the error and balance
// views, per-rank busy bars, and exporting whole views to PNG/PDF/SVG. Offscreen, plain data in,
// widget state out. With MOE_WIDGETS_SHOTS=DIR set, also saves a PNG of every view filled with
// plausible data at a main-window size and a dock size, for a person to look at.
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QImage>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <set>

#include "widgets/comparison_table.h"
#include "widgets/export_util.h"
#include "widgets/load_heatmap_view.h"
#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"
#include "widgets/rank_balance_view.h"
#include "widgets/strategy_map_view.h"

namespace {

using namespace moe::widgets;

void ensureApp() {
    if (QApplication::instance()) return;
    static int argc = 1;
    static char name[] = "moe_gui_tests";
    static char* argv[] = {name, nullptr};
    new QApplication(argc, argv);
}

// Shows `w` offscreen at `size` so its plots have their real geometry (pixel <-> coordinate).
void showAt(QWidget* w, QSize size) {
    w->resize(size);
    w->show();
    QApplication::processEvents();
}

// Counts of a layer/expert/step that differ everywhere, so a wrong index shows.
int64_t countOf(int64_t step, int layer, int expert) {
    return 10 + 3 * expert + 7 * layer + step % 5 + (expert == layer ? 40 : 0);
}

// --- plausible data for the export checks and the screenshots ---------------------------------

void fillHeatmap(LoadHeatmapView& v, int steps = 200) {
    const int L = 24, E = 32;
    std::mt19937 rng(7);
    std::vector<int64_t> counts(L * E);
    for (int64_t s = 0; s < steps; ++s) {
        for (int l = 0; l < L; ++l)
            for (int e = 0; e < E; ++e) {
                // Zipf-like by a per-layer permutation, a slow drift and noise.
                const int rank = (e * 7 + l * 5 + static_cast<int>(s / 60)) % E;
                const double share = 1.0 / std::pow(rank + 1.0, 0.9);
                std::poisson_distribution<int> noise(400 * share + 2);
                counts[l * E + e] = noise(rng);
            }
        v.appendStep(s, L, E, counts);
    }
    v.setLayer(3);
    v.refresh();
}

void fillErrors(PredictionErrorView& v) {
    v.setWindow(500);
    v.setPredictors({"sw_avg", "arima", "dist_only", "lstm"}, std::vector<int>{1, 10}, 24);
    std::mt19937 rng(3);
    std::normal_distribution<double> noise(0, 0.015);
    for (int64_t s = 0; s < 600; ++s) {
        const bool transient = (s > 120 && s < 170) || (s > 420 && s < 450);
        for (int p = 0; p < 4; ++p)
            for (int h = 0; h < 2; ++h) {
                const double base = 0.08 + 0.03 * p + 0.05 * h + (transient ? 0.12 : 0);
                v.appendError(p, h, s, std::max(0.0, base + noise(rng)));
            }
        v.appendPhase(s, std::vector<uint8_t>(24, transient ? 0 : 1));
    }
    std::vector<int64_t> steps;
    std::vector<double> values;
    for (int64_t s = 100; s < 600; s += 2) {
        steps.push_back(s);
        values.push_back(0.2 + 0.05 * std::sin(s / 40.0));
    }
    v.setOverlay("run 12: sw_avg", steps, values);
    v.refresh();
}

void fillBalance(RankBalanceView& v) {
    std::mt19937 rng(5);
    std::normal_distribution<double> noise(0, 1);
    for (int64_t s = 0; s < 400; ++s) {
        RankBalanceView::RankStep r;
        r.step = s;
        const double imbalance = s < 200 ? 0.35 : 0.08;  // a rebalance at step 200
        for (int g = 0; g < 4; ++g) {
            const double rows = 6000 * (1 + imbalance * (g == 1 ? 1.5 : -0.5)) + 100 * noise(rng);
            r.rankRows.push_back(rows);
            r.rankBusySeconds.push_back(rows * 2.1e-6 + 0.0004 * std::abs(noise(rng)));
        }
        const double mx = *std::max_element(r.rankRows.begin(), r.rankRows.end());
        double sum = 0;
        for (double x : r.rankRows) sum += x;
        r.balancedness = sum / 4 / mx;
        r.skewness = 2.6 - (s < 200 ? 0 : 0.2) + 0.1 * noise(rng);
        r.modelledSeconds = mx * 2.0e-6;
        r.measuredSeconds = mx * 2.1e-6 + 0.0005 * std::abs(noise(rng));
        v.appendStep(r);
    }
    std::vector<int64_t> steps;
    std::vector<double> values;
    for (int64_t s = 0; s < 400; s += 4) {
        steps.push_back(s);
        values.push_back(s < 100 ? 0.7 : 0.85);
    }
    v.setOverlay("run 12 (eplb)", steps, values);
    v.refresh();
}

void fillPlacement(PlacementView& v) {
    const int L = 4, G = 4, E = 32;
    std::vector<int> counts(L * G * E, 0);
    std::vector<uint8_t> changed(L * E, 0);
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e) {
            counts[(l * G + e * G / E) * E + e] = 1;
            if (e % 9 == 0) {
                counts[(l * G + (e * G / E + 1) % G) * E + e] = 1;
                changed[l * E + e] = 1;
            }
        }
    v.setPlacement(L, G, E, counts, changed);
    v.setRebalance({200, 0.71, 0.93, 12, size_t(96) << 20});
}

void fillComparison(ComparisonTable& v) {
    v.setPredictorRows({
        {"sw_avg:window=100", 1, 0.092, 0.081, 0.19, 4800, 3.1, "live (run 14)"},
        {"arima:p=5,d=1,q=5", 1, 0.105, 0.097, 0.22, 4800, 412.0, "live (run 14)"},
        {"dist_only:table", 1, 0.131, 0.12, 0.25, 4800, 0.8, "live (run 14)"},
        {"lstm", 10, 0.151, NAN, NAN, 4320, 2150.0, "run 12"},
        {"sw_avg:window=100", 10, 0.118, NAN, NAN, 4320, NAN, "run 12"},
    });
    v.setPolicyRows({
        {"eplb", "live (run 14)", 4, 0.71, 0.93, 812.4, 861.0, 48},
        {"gps", "run 12", 4, 0.70, 0.88, 870.1, NAN, 31},
        {"contiguous", "run 11", 0, 0.69, 0.69, 1012.7, 1090.2, 0},
    });
}

// The MoE-GPS figure's shape: which of four strategies wins over skew x bandwidth.
void fillStrategy(StrategyMapView& v) {
    const std::vector<double> skews = {1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3.0};
    const std::vector<double> bws = {25, 50, 100, 200, 400, 900};
    std::vector<StrategyCell> cells;
    for (double s : skews)
        for (double b : bws) {
            const int winner = s < 1.3 ? 0 : (b < 60 ? 1 : (s > 2.2 && b > 300 ? 3 : 2));
            cells.push_back({s, b, winner, 3.0 + 40 * (s - 1) * (b / 900)});
        }
    v.setMap({"no_dup", "dist_only", "token_pred", "full_dup"}, skews, bws, cells,
             "Fastest strategy by the performance model (Mixtral 8x7B, 4 GPUs, 512 tokens)");
}

struct NamedView {
    const char* name;
    std::function<std::unique_ptr<QWidget>()> make;
};

std::vector<NamedView> filledViews() {
    return {
        {"heatmap",
         [] {
             auto v = std::make_unique<LoadHeatmapView>();
             fillHeatmap(*v);
             return std::unique_ptr<QWidget>(std::move(v));
         }},
        {"errors",
         [] {
             auto v = std::make_unique<PredictionErrorView>();
             fillErrors(*v);
             return std::unique_ptr<QWidget>(std::move(v));
         }},
        {"balance",
         [] {
             auto v = std::make_unique<RankBalanceView>();
             fillBalance(*v);
             return std::unique_ptr<QWidget>(std::move(v));
         }},
        {"placement",
         [] {
             auto v = std::make_unique<PlacementView>();
             fillPlacement(*v);
             return std::unique_ptr<QWidget>(std::move(v));
         }},
        {"comparison",
         [] {
             auto v = std::make_unique<ComparisonTable>();
             fillComparison(*v);
             return std::unique_ptr<QWidget>(std::move(v));
         }},
        {"strategy",
         [] {
             auto v = std::make_unique<StrategyMapView>();
             fillStrategy(*v);
             return std::unique_ptr<QWidget>(std::move(v));
         }},
    };
}

QByteArray head(const QString& path, int bytes) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.read(bytes);
}

// Share of dark pixels (text, lines, dark cells): a view exported before it was laid out shows
// little more than its frame.
double darkShare(const QImage& image) {
    int64_t dark = 0, all = 0;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2, ++all) dark += qGray(image.pixel(x, y)) < 110;
    return all ? static_cast<double>(dark) / static_cast<double>(all) : 0;
}

// Distinct colours in a picture: an empty or blank export has one or two.
int colours(const QImage& image) {
    std::set<QRgb> seen;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) seen.insert(image.pixel(x, y));
    return static_cast<int>(seen.size());
}

}  // namespace

TEST(LoadHeatmapView, SnapshotHoldsEveryLayerAtTheLatestStep) {
    ensureApp();
    LoadHeatmapView view;
    const int L = 3, E = 4;
    std::vector<int64_t> counts(L * E);
    EXPECT_EQ(view.currentStep(), -1);
    for (int64_t s = 0; s < 10; ++s) {
        for (int l = 0; l < L; ++l)
            for (int e = 0; e < E; ++e) counts[l * E + e] = countOf(s, l, e);
        view.appendStep(100 + s, L, E, counts);
    }
    view.refresh();
    EXPECT_EQ(view.currentStep(), 109);
    EXPECT_EQ(view.columns(), 10);
    QCPColorMapData* snap = view.snapshotMap()->data();
    ASSERT_EQ(snap->keySize(), L);
    ASSERT_EQ(snap->valueSize(), E);
    for (int l = 0; l < L; ++l) {
        double sum = 0;
        for (int e = 0; e < E; ++e) sum += static_cast<double>(countOf(109, l, e));
        for (int e = 0; e < E; ++e)
            EXPECT_NEAR(snap->cell(l, e), countOf(109, l, e) / (sum / E), 1e-9)
                << "layer " << l << " expert " << e;
    }
    // The steps map shows the chosen layer over the window.
    view.setLayer(2);
    EXPECT_EQ(view.layer(), 2);
    QCPColorMapData* steps = view.stepsMap()->data();
    ASSERT_EQ(steps->keySize(), 10);
    ASSERT_EQ(steps->valueSize(), E);
    double sum = 0;
    for (int e = 0; e < E; ++e) sum += static_cast<double>(countOf(104, 2, e));
    EXPECT_NEAR(steps->cell(4, 1), countOf(104, 2, 1) / (sum / E), 1e-9);
    // A new step replaces the snapshot.
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e) counts[l * E + e] = l == 0 && e == 0 ? 100 : 0;
    view.appendStep(110, L, E, counts);
    view.refresh();
    EXPECT_NEAR(view.snapshotMap()->data()->cell(0, 0), 4.0, 1e-9);
    EXPECT_NEAR(view.snapshotMap()->data()->cell(1, 0), 0.0, 1e-9) << "an idle layer is 0";
}

TEST(LoadHeatmapView, HoverTextNamesStepLayerExpertAndTokens) {
    ensureApp();
    LoadHeatmapView view;
    const int L = 3, E = 4;
    std::vector<int64_t> counts(L * E);
    for (int64_t s = 0; s < 20; ++s) {
        for (int l = 0; l < L; ++l)
            for (int e = 0; e < E; ++e) counts[l * E + e] = countOf(s, l, e);
        view.appendStep(s, L, E, counts);
    }
    view.setLayer(1);
    view.refresh();
    showAt(&view, QSize(900, 500));
    view.plot()->replot();

    // Layer 1, expert 2 at step 7: count 10 + 6 + 7 + 2 = 25; the layer's counts are 19, 62 (the
    // diagonal expert), 25 and 28: mean 33.5, so 25 is 0.75 of it.
    ASSERT_EQ(countOf(7, 1, 2), 25);
    const std::string expected = "step 7, layer 1, expert 2: 25 tokens (0.75 of mean)";
    EXPECT_EQ(view.cellText(7, 1, 2).toStdString(), expected);
    const QPointF pixel(view.plot()->xAxis->coordToPixel(7), view.plot()->yAxis->coordToPixel(2));
    EXPECT_EQ(view.hoverText(pixel, false).toStdString(), expected);

    // Snapshot: layer 2, expert 2 at the latest step (19): 10 + 6 + 14 + 4 + 40 = 74.
    QCPColorMap* snap = view.snapshotMap();
    const QPointF snapPixel(snap->keyAxis()->coordToPixel(2), snap->valueAxis()->coordToPixel(2));
    EXPECT_TRUE(view.hoverText(snapPixel, true).startsWith("step 19, layer 2, expert 2: 74 tokens"))
        << view.hoverText(snapPixel, true).toStdString();
    // Outside both maps there is nothing to say.
    EXPECT_TRUE(view.hoverText(QPointF(1, 1), false).isEmpty());
    EXPECT_TRUE(view.hoverText(QPointF(1, 1), true).isEmpty());
    // A step that scrolled out of the window is not answered.
    view.setWindow(5);
    EXPECT_TRUE(view.cellText(7, 1, 2).isEmpty());
}

// A recording whose dense layers were left out: the view counts its layers 0.. but says the
// model's numbers in the box, the titles and the tooltips.
TEST(LoadHeatmapView, SaysTheModelsLayerNumbers) {
    ensureApp();
    LoadHeatmapView view;
    const int L = 3, E = 4;
    std::vector<int64_t> counts(L * E);
    for (int64_t s = 0; s < 5; ++s) {
        for (int l = 0; l < L; ++l)
            for (int e = 0; e < E; ++e) counts[l * E + e] = countOf(s, l, e);
        view.appendStep(s, L, E, counts);
    }
    view.setLayerNumbers({1, 2, 5});
    view.setLayer(2);
    view.refresh();
    EXPECT_EQ(view.layer(), 2);
    EXPECT_TRUE(view.cellText(3, 2, 1).startsWith("step 3, layer 5, expert 1:"))
        << view.cellText(3, 2, 1).toStdString();
    auto* box = view.findChild<QSpinBox*>();
    ASSERT_NE(box, nullptr);
    EXPECT_EQ(box->text(), "5");
    box->setValue(0);
    EXPECT_EQ(box->text(), "1");
    bool titled = false;
    for (int i = 0; i < view.plot()->plotLayout()->elementCount(); ++i)
        if (auto* t = qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->elementAt(i)))
            titled = titled || t->text().startsWith("layer 1, last 5 steps");
    EXPECT_TRUE(titled);
    view.setLayerNumbers({});
    EXPECT_EQ(box->text(), "0");
}

// In a narrow dock the map titles take a shorter form rather than being cut at both ends.
TEST(LoadHeatmapView, TitlesFitANarrowDock) {
    ensureApp();
    LoadHeatmapView view;
    const int L = 24, E = 32;
    std::vector<int64_t> counts(L * E, 3);
    for (int64_t s = 0; s < 150; ++s) view.appendStep(s, L, E, counts);
    for (int width : {380, 900}) {
        view.resize(width, 600);
        view.show();
        for (int pass = 0; pass < 2; ++pass) {  // the first lays out, the second fits
            view.refresh();
            view.plot()->replot();
        }
        for (int i = 0; i < view.plot()->plotLayout()->elementCount(); ++i) {
            auto* t = qobject_cast<QCPTextElement*>(view.plot()->plotLayout()->elementAt(i));
            if (!t) continue;
            const int needed = QFontMetrics(t->font()).horizontalAdvance(t->text());
            EXPECT_LE(needed, t->outerRect().width())
                << width << " px: " << t->text().toStdString();
        }
    }
}

TEST(PredictionErrorView, HorizonSwitchShowsThatHorizonsPoints) {
    ensureApp();
    PredictionErrorView view;
    view.setPredictors({"sw_avg", "arima"}, std::vector<int>{1, 10}, 2);
    auto* box = view.findChildren<QComboBox*>().value(0);
    ASSERT_NE(box, nullptr);
    for (int64_t s = 0; s < 20; ++s) {
        view.appendError(0, s, 0.1);  // the 3-argument form is horizon 0
        view.appendError(1, 0, s, 0.2);
        if (s < 5) view.appendError(0, 1, s, 0.5);
    }
    view.appendError(0, 2, 0, 0.5);  // no third horizon: ignored
    view.refresh();
    EXPECT_EQ(view.horizonIndex(), 0);
    EXPECT_EQ(view.points(0), 20);
    EXPECT_EQ(view.points(1), 20);
    EXPECT_LT(view.plot()->yAxis->range().upper, 0.5);
    view.setHorizonIndex(1);
    EXPECT_EQ(view.horizonIndex(), 1);
    EXPECT_EQ(box->currentIndex(), 1) << "the combo box follows";
    EXPECT_EQ(view.points(0), 5);
    EXPECT_EQ(view.points(1), 0);
    EXPECT_GT(view.plot()->yAxis->range().upper, 0.5) << "y range follows the shown horizon";
    EXPECT_LT(view.plot()->yAxis->range().upper, 1.0);
    box->setCurrentIndex(0);  // as a user would
    EXPECT_EQ(view.horizonIndex(), 0);
    EXPECT_EQ(view.points(0), 20);
    view.setHorizonIndex(5);  // out of range: unchanged
    EXPECT_EQ(view.horizonIndex(), 0);
}

TEST(PredictionErrorView, StartupSpikesDoNotFlattenTheCurves) {
    ensureApp();
    PredictionErrorView view;
    view.setPredictors({"sw_avg"}, 1, 1);
    view.appendError(0, 0, 4.0);  // no history yet: 400% off
    view.appendError(0, 1, 2.0);
    for (int64_t s = 2; s < 200; ++s) view.appendError(0, s, 0.1 + 0.001 * (s % 7));
    view.refresh();
    const double top = view.plot()->yAxis->range().upper;
    EXPECT_GT(top, 0.106) << "the settled curve fits";
    EXPECT_LT(top, 0.5) << "scaled to the settled curve, not to the first steps";
}

TEST(PredictionErrorView, OverlaysAddReplaceClearAndShowWithoutLiveCurves) {
    ensureApp();
    PredictionErrorView view;
    view.setOverlay("run 3", {1000, 1010, 1020}, {0.1, 0.2, 0.3});
    view.refresh();
    EXPECT_EQ(view.overlayCount(), 1);
    EXPECT_EQ(view.curves(), 0);
    EXPECT_DOUBLE_EQ(view.plot()->xAxis->range().lower, 1000) << "x follows the overlays";
    EXPECT_DOUBLE_EQ(view.plot()->xAxis->range().upper, 1020);
    QCPGraph* g = view.plot()->graph(0);
    EXPECT_EQ(g->pen().style(), Qt::DashLine);
    EXPECT_EQ(g->name(), "run 3");
    EXPECT_TRUE(view.plot()->legend->hasItemWithPlottable(g));
    view.setOverlay("run 3", {0, 1}, {0.5, 0.5});  // same name: replaced
    EXPECT_EQ(view.overlayCount(), 1);
    EXPECT_EQ(view.plot()->graph(0)->dataCount(), 2);
    view.setOverlay("run 4", {0, 1, 2}, {0.1, NAN, 0.1});
    EXPECT_EQ(view.overlayCount(), 2);
    EXPECT_EQ(view.plot()->graph(1)->dataCount(), 2) << "NaN left out";
    // A live run keeps the overlays.
    view.setPredictors({"sw_avg"}, 1, 1);
    view.appendError(0, 0, 0.1);
    view.refresh();
    EXPECT_EQ(view.overlayCount(), 2);
    EXPECT_EQ(view.curves(), 1);
    EXPECT_EQ(view.plot()->graphCount(), 3);
    view.clearOverlays();
    EXPECT_EQ(view.overlayCount(), 0);
    EXPECT_EQ(view.plot()->graphCount(), 1);
    EXPECT_EQ(view.points(0), 1);
}

TEST(RankBalanceView, RankStepShowsBusyBarsSkewAndTimes) {
    ensureApp();
    RankBalanceView view;
    view.appendStep(0, {10, 20, 30}, 0.5);  // the old form: no busy times, no times
    view.refresh();
    EXPECT_FALSE(view.showsBusy());
    EXPECT_FALSE(view.showsTimes());
    EXPECT_EQ(view.rowBars()->dataCount(), 3);
    EXPECT_FALSE(view.busyBars()->visible() && view.busyBars()->dataCount() > 0);

    RankBalanceView::RankStep s;
    s.step = 1;
    s.rankRows = {10, 20, 30, 40};
    s.rankBusySeconds = {0.001, 0.002, 0.003, 0.004};
    s.balancedness = 0.625;
    s.skewness = 2.5;
    s.modelledSeconds = 0.004;
    view.appendStep(s);
    view.refresh();
    EXPECT_TRUE(view.showsBusy());
    EXPECT_TRUE(view.showsTimes()) << "a modelled time alone shows the times panel";
    ASSERT_EQ(view.busyBars()->dataCount(), 4);
    EXPECT_DOUBLE_EQ(view.busyBars()->data()->at(2)->value, 3.0) << "busy bars in ms";
    EXPECT_DOUBLE_EQ(view.rowBars()->data()->at(3)->value, 40);
    EXPECT_EQ(view.points(), 2);
    EXPECT_EQ(view.skewnessGraph()->dataCount(), 1);
    EXPECT_EQ(view.modelledGraph()->dataCount(), 1);
    EXPECT_EQ(view.measuredGraph()->dataCount(), 0) << "NaN measured time is not a point";
    EXPECT_DOUBLE_EQ(view.modelledGraph()->data()->at(0)->value, 4.0);
    EXPECT_EQ(view.fittedGraph()->dataCount(), 0) << "no fitted model yet: no point, no legend";
    EXPECT_FALSE(
        view.fittedGraph()->parentPlot()->legend->hasItemWithPlottable(view.fittedGraph()));
    s.step = 2;
    s.fittedSeconds = 0.0075;
    view.appendStep(s);
    ASSERT_EQ(view.fittedGraph()->dataCount(), 1);
    EXPECT_DOUBLE_EQ(view.fittedGraph()->data()->at(0)->value, 7.5) << "in ms";
    view.clear();
    EXPECT_FALSE(view.showsBusy());
    EXPECT_EQ(view.points(), 0);
    EXPECT_EQ(view.fittedGraph()->dataCount(), 0);
}

TEST(RankBalanceView, BoundsAppearInTheLegendOnlyWhenTheRunHasThem) {
    ensureApp();
    RankBalanceView view;
    const auto inLegend = [&](QCPGraph* g) { return view.plot()->legend->hasItemWithPlottable(g); };
    view.appendStep(0, {10, 20, 30}, 0.5);
    EXPECT_FALSE(inLegend(view.contiguousGraph())) << "a run without a policy has no bounds";
    RankBalanceView::RankStep s;
    s.step = 1;
    s.rankRows = {10, 20, 30, 40};
    s.balancedness = 0.7;
    s.contiguousBalancedness = 0.6;
    s.oracleBalancedness = 0.95;
    view.appendStep(s);
    s.step = 2;
    s.oracleBalancedness = NAN;  // MoETuner: contiguous only
    view.appendStep(s);
    view.refresh();
    EXPECT_TRUE(inLegend(view.contiguousGraph()));
    EXPECT_TRUE(inLegend(view.oracleGraph()));
    ASSERT_EQ(view.contiguousGraph()->dataCount(), 2);
    ASSERT_EQ(view.oracleGraph()->dataCount(), 1);
    EXPECT_DOUBLE_EQ(view.oracleGraph()->data()->at(0)->value, 0.95);
    view.clear();
    EXPECT_EQ(view.contiguousGraph()->dataCount(), 0);
    EXPECT_FALSE(inLegend(view.oracleGraph()));
}

TEST(RankBalanceView, OverlaysAddReplaceAndClear) {
    ensureApp();
    RankBalanceView view;
    view.setOverlay("run 7", {50, 60, 70}, {0.8, 0.9, 0.95});
    view.refresh();
    EXPECT_EQ(view.overlayCount(), 1);
    EXPECT_DOUBLE_EQ(view.plot()->xAxis->range().lower, 50);
    EXPECT_DOUBLE_EQ(view.plot()->xAxis->range().upper, 70);
    view.setOverlay("run 7", {1}, {0.5});
    view.setOverlay("run 8", {1, 2}, {0.5, 0.6});
    EXPECT_EQ(view.overlayCount(), 2);
    const int graphs = view.plot()->graphCount();
    view.clearOverlays();
    EXPECT_EQ(view.overlayCount(), 0);
    EXPECT_EQ(view.plot()->graphCount(), graphs - 2);
}

// Column `c` of `table` top to bottom.
QStringList column(QTableWidget* table, int c) {
    QStringList out;
    for (int r = 0; r < table->rowCount(); ++r) out << table->item(r, c)->text();
    return out;
}

TEST(ComparisonTable, SortsNumbersByValueAndShowsADashForNaN) {
    ensureApp();
    ComparisonTable view;
    ASSERT_EQ(view.tabs()->count(), 2);
    EXPECT_EQ(view.tabs()->tabText(0), "Predictors");
    EXPECT_EQ(view.tabs()->tabText(1), "Policies");
    view.setPredictorRows({
        {"a", 1, 0.10, 0.1, 0.2, 100, 5.0, "run 1"},
        {"b", 1, 0.09, NAN, 0.3, 9, NAN, "run 1"},
        {"c", 10, 0.5, 0.4, 0.9, 1000, 1500.0, "run 2"},
        {"d", 10, NAN, NAN, NAN, 0, 2.0, "run 2"},
    });
    QTableWidget* t = view.predictorTable();
    ASSERT_EQ(t->rowCount(), 4);
    t->sortByColumn(ComparisonTable::kPredMean, Qt::AscendingOrder);
    // As text "10.0%" < "50.0%" < "9.0%"; by value 9% < 10% < 50%, and the unknown last.
    EXPECT_EQ(column(t, ComparisonTable::kPredMean),
              QStringList({"9.0%", "10.0%", "50.0%", "\u2014"}));
    t->sortByColumn(ComparisonTable::kPredMean, Qt::DescendingOrder);
    EXPECT_EQ(column(t, ComparisonTable::kPredName), QStringList({"c", "a", "b", "d"}))
        << "NaN stays last in descending order too";
    t->sortByColumn(ComparisonTable::kPredSamples, Qt::AscendingOrder);
    EXPECT_EQ(column(t, ComparisonTable::kPredSamples), QStringList({"0", "9", "100", "1000"}));
    t->sortByColumn(ComparisonTable::kPredCost, Qt::AscendingOrder);
    EXPECT_EQ(column(t, ComparisonTable::kPredCost),
              QStringList({"2.00 \u00b5s", "5.00 \u00b5s", "1.50 ms", "\u2014"}));
    // The best mean error per horizon is bold: b at horizon 1, c at horizon 10.
    t->sortByColumn(ComparisonTable::kPredName, Qt::AscendingOrder);
    EXPECT_FALSE(t->item(0, ComparisonTable::kPredMean)->font().bold());
    EXPECT_TRUE(t->item(1, ComparisonTable::kPredMean)->font().bold());
    EXPECT_TRUE(t->item(2, ComparisonTable::kPredMean)->font().bold());
    // Headers explain themselves.
    for (int c = 0; c < t->columnCount(); ++c)
        EXPECT_FALSE(t->horizontalHeaderItem(c)->toolTip().isEmpty()) << "column " << c;

    view.setPolicyRows({{"eplb", "run 1", 3, 0.7, 0.95, 12.5, NAN, 40},
                        {"gps", "run 2", 2, 0.7, 0.9, 9.25, 1500.0, 12}});
    QTableWidget* p = view.policyTable();
    ASSERT_EQ(p->rowCount(), 2);
    p->sortByColumn(ComparisonTable::kPolModelled, Qt::AscendingOrder);
    EXPECT_EQ(column(p, ComparisonTable::kPolModelled), QStringList({"9.250 ms", "12.5 ms"}));
    EXPECT_EQ(column(p, ComparisonTable::kPolMeasured), QStringList({"1.50 s", "\u2014"}));
    EXPECT_EQ(column(p, ComparisonTable::kPolAfter), QStringList({"0.900", "0.950"}));
    // New rows keep the sort the user chose.
    view.setPolicyRows({{"x", "r", 0, 0.5, 0.5, 50, 50, 0}, {"y", "r", 0, 0.5, 0.5, 5, 5, 0}});
    EXPECT_EQ(column(p, ComparisonTable::kPolName), QStringList({"y", "x"}));
}

TEST(ComparisonTable, APredictorWithNoScoredForecastIsADashNotAPerfectZero) {
    // A run shorter than the horizon: the live collector reports 0 error over 0 samples.
    ensureApp();
    ComparisonTable view;
    view.setPredictorRows({
        {"sw_avg", 10, 0.0, NAN, NAN, 0, 1.0, "live"},
        {"arima", 10, 0.0, NAN, NAN, 0, 3.0, "live"},
        {"ema", 1, 0.25, 0.2, 0.4, 5, 1.0, "live"},
    });
    QTableWidget* t = view.predictorTable();
    t->sortByColumn(ComparisonTable::kPredName, Qt::AscendingOrder);  // arima, ema, sw_avg
    EXPECT_EQ(column(t, ComparisonTable::kPredMean), QStringList({"\u2014", "25.0%", "\u2014"}));
    EXPECT_FALSE(t->item(0, ComparisonTable::kPredMean)->font().bold());
    EXPECT_FALSE(t->item(2, ComparisonTable::kPredMean)->font().bold());
    EXPECT_TRUE(t->item(1, ComparisonTable::kPredMean)->font().bold());
    EXPECT_TRUE(t->item(0, ComparisonTable::kPredMean)->toolTip().contains("No forecast scored"));
}

TEST(StrategyMapView, CellsCarryWinnerAndMargin) {
    ensureApp();
    StrategyMapView view;
    const std::vector<double> skews = {1.0, 2.0}, bws = {50, 400};
    // Given out of order and matched by value; one position left without a cell.
    view.setMap({"no_dup", "dist_only"}, skews, bws,
                {{2.0, 400, 1, 12.4}, {1.0, 50, 0, 3.24}, {1.0, 400, 1, 0.5}}, "title");
    EXPECT_EQ(view.cellCount(), 3);
    EXPECT_EQ(view.cellText(1, 1).toStdString(), "dist_only +12%");
    EXPECT_EQ(view.cellText(0, 0).toStdString(), "no_dup +3.2%");
    EXPECT_EQ(view.cellText(0, 1).toStdString(), "dist_only +0.5%");
    EXPECT_TRUE(view.cellText(1, 0).isEmpty()) << "no cell given there";
    EXPECT_TRUE(view.cellText(5, 0).isEmpty());
    EXPECT_EQ(view.winner(1, 1), 1);
    // Legend: one swatch per strategy.
    EXPECT_EQ(view.plot()->legend->itemCount(), 2);
    showAt(&view, QSize(700, 450));
    view.plot()->replot();
    const QPointF pixel(view.plot()->xAxis->coordToPixel(1), view.plot()->yAxis->coordToPixel(1));
    EXPECT_EQ(view.hoverText(pixel).toStdString(),
              "skew 2, 400 GB/s: dist_only is fastest, the runner-up takes 12.4% longer");
    EXPECT_TRUE(view.hoverText(QPointF(1, 1)).isEmpty());
    // Each label fits its cell: drawn inside the axis rect at a readable size.
    int labels = 0;
    for (int i = 0; i < view.plot()->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(view.plot()->item(i));
            text && !text->text().isEmpty()) {
            ++labels;
            EXPECT_TRUE(text->visible());
            EXPECT_GE(text->font().pointSizeF(), 5.5);
        }
    EXPECT_EQ(labels, 3);
    view.clear();
    EXPECT_EQ(view.cellCount(), 0);
}

TEST(ExportWidget, WritesPngPdfSvgOfEveryView) {
    ensureApp();
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    for (const NamedView& nv : filledViews()) {
        SCOPED_TRACE(nv.name);
        std::unique_ptr<QWidget> view = nv.make();
        view->resize(900, 500);  // never shown: export must lay it out itself
        const QString base = dir.filePath(QString::fromLatin1(nv.name));
        QString error;
        ASSERT_TRUE(exportWidget(view.get(), base + ".png", &error)) << error.toStdString();
        EXPECT_TRUE(head(base + ".png", 8).startsWith("\x89PNG\r\n"));
        QImage image(base + ".png");
        EXPECT_EQ(image.size(), QSize(1800, 1000)) << "twice the widget's pixels";
        EXPECT_GT(colours(image), 20) << "plots drawn, not a blank picture";
        EXPECT_GT(darkShare(image), 0.003) << "text and data drawn, not only a frame";
        ASSERT_TRUE(exportWidget(view.get(), base + ".pdf", &error)) << error.toStdString();
        EXPECT_TRUE(head(base + ".pdf", 5).startsWith("%PDF-"));
        EXPECT_GT(QFileInfo(base + ".pdf").size(), 5000);
        if (svgExportSupported()) {
            ASSERT_TRUE(exportWidget(view.get(), base + ".SVG", &error)) << error.toStdString();
            const QByteArray svg = head(base + ".SVG", 2000);
            EXPECT_TRUE(svg.startsWith("<?xml"));
            EXPECT_TRUE(svg.contains("<svg"));
            EXPECT_GT(QFileInfo(base + ".SVG").size(), 5000);
        }
        EXPECT_FALSE(exportWidget(view.get(), base + ".bmp", &error));
        EXPECT_TRUE(error.contains("unknown image format"));
        EXPECT_FALSE(exportWidget(view.get(), dir.filePath("no/such/dir/x.png"), &error));
    }
    EXPECT_FALSE(exportWidget(nullptr, dir.filePath("x.png")));
}

TEST(ExportWidget, AQCustomPlotGoesThroughExportPlot) {
    ensureApp();
    QTemporaryDir dir;
    QCustomPlot plot;
    plot.resize(300, 200);
    plot.addGraph()->setData({0, 1, 2}, {1, 3, 2});
    plot.rescaleAxes();
    const QString path = dir.filePath("p.png");
    ASSERT_TRUE(exportWidget(&plot, path));
    EXPECT_EQ(QImage(path).size(), QSize(300, 200)) << "exportPlot keeps the on-screen size";
}

// Not a check: pictures for a person to look at (set MOE_WIDGETS_SHOTS=DIR).
TEST(WidgetShots, SaveFilledViewsWhenAsked) {
    const QByteArray dir = qgetenv("MOE_WIDGETS_SHOTS");
    if (dir.isEmpty()) GTEST_SKIP() << "set MOE_WIDGETS_SHOTS=DIR to save pictures";
    ensureApp();
    QDir().mkpath(QString::fromLocal8Bit(dir));
    for (const NamedView& nv : filledViews())
        for (QSize size : {QSize(900, 500), QSize(450, 300)}) {
            std::unique_ptr<QWidget> view = nv.make();
            view->resize(size);
            const QString path = QDir(QString::fromLocal8Bit(dir))
                                     .filePath(QStringLiteral("%1-%2x%3.png")
                                                   .arg(nv.name)
                                                   .arg(size.width())
                                                   .arg(size.height()));
            QString error;
            EXPECT_TRUE(exportWidget(view.get(), path, &error)) << error.toStdString();
            // And as the screen shows it: one pixel per pixel, through the widgets' own paint.
            showAt(view.get(), size);
            view->grab().save(QString(path).replace(".png", "-screen.png"));
        }
}
