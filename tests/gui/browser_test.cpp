// Experiment browser and plot export, offscreen: a real store with two recorded runs, listing,
// search, tags, delete behind an auto-accepted confirmation, per-step series, and PNG/PDF (and
// SVG where built in) export of a small plot.
#include <gtest/gtest.h>
#include <qcustomplot.h>

#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QTableWidget>
#include <QTemporaryDir>
#include <memory>

#include "app/gui/experiment_browser.h"
#include "core/engine/telemetry.h"
#include "core/store/run_recorder.h"
#include "tests/gui/gui_test_support.h"
#include "widgets/export_util.h"

namespace {

void app() { moe::test::ensureApp(); }

moe::StepTelemetry frame(int64_t step, int layers, int experts, int ranks) {
    moe::StepTelemetry t;
    t.step = step;
    t.tokens = 16;
    t.layers = layers;
    t.ranks = ranks;
    t.loads = moe::LoadMatrix(layers, experts);
    for (int l = 0; l < layers; ++l)
        for (int e = 0; e < experts; ++e) t.loads.at(l, e) = 1 + (e == 0 ? 5 + step : e);
    t.dropped.assign(static_cast<size_t>(layers), 0);
    t.rankRows.assign(static_cast<size_t>(layers) * ranks, 0);
    t.rankBusySeconds.assign(static_cast<size_t>(layers) * ranks, 0.001);
    for (int l = 0; l < layers; ++l)
        for (int g = 0; g < ranks; ++g)
            t.rankRows[static_cast<size_t>(l) * ranks + g] = 10 + 10 * g;
    t.wallSeconds = 0.01;
    return t;
}

void recordRun(const std::string& db, const std::string& name, const std::string& workload,
               std::vector<std::string> tags, int steps) {
    moe::store::RunInfo info;
    info.name = name;
    info.workload = workload;
    info.tags = std::move(tags);
    info.configJson = "{}";
    info.backend = "test";
    info.layers = 2;
    info.experts = 4;
    info.ranks = 2;
    moe::store::RunRecorder recorder(db, info);
    for (int s = 0; s < steps; ++s) recorder.record(frame(s, 2, 4, 2));
    recorder.finish(moe::store::RunStatus::Finished);
}

class BrowserTest : public ::testing::Test {
protected:
    void SetUp() override {
        app();
        ASSERT_TRUE(dir_.isValid());
        db_ = dir_.filePath("experiments.sqlite");
        recordRun(db_.toStdString(), "alpha", "synthetic:zipf", {"baseline"}, 3);
        recordRun(db_.toStdString(), "beta", "trace:mmlu", {"tuned"}, 5);
    }
    std::unique_ptr<moe::gui::ExperimentBrowser> makeBrowser(const QString& path) {
        auto b = std::make_unique<moe::gui::ExperimentBrowser>();
        b->setWarningHandler([this](const QString&, const QString& text) { warnings_ << text; });
        warnings_.clear();
        b->openDatabase(path);
        return b;
    }
    QTemporaryDir dir_;
    QString db_;
    QStringList warnings_;
};

TEST_F(BrowserTest, ListsSearchesTagsAndDeletes) {
    auto browser = makeBrowser(db_);
    ASSERT_TRUE(browser->isOpen()) << warnings_.join("\n").toStdString();
    EXPECT_TRUE(warnings_.isEmpty());
    EXPECT_EQ(browser->table()->rowCount(), 2);
    EXPECT_EQ(browser->visibleRunCount(), 2);

    browser->setSearchText("mmlu");  // workload
    ASSERT_EQ(browser->visibleRunCount(), 1);
    const int64_t beta = browser->visibleRunIds().front();
    EXPECT_EQ(browser->runRecord(beta)->name, "beta");
    browser->setSearchText("baseline");  // tag
    ASSERT_EQ(browser->visibleRunCount(), 1);
    const int64_t alpha = browser->visibleRunIds().front();
    EXPECT_EQ(browser->runRecord(alpha)->name, "alpha");
    browser->setSearchText("ALPHA");  // name, case-insensitive
    EXPECT_EQ(browser->visibleRunCount(), 1);
    browser->setSearchText("");
    EXPECT_EQ(browser->visibleRunCount(), 2);

    ASSERT_TRUE(browser->addTags(alpha, {"favourite"}));
    auto tags = browser->runRecord(alpha)->tags;
    EXPECT_NE(std::find(tags.begin(), tags.end(), "favourite"), tags.end());
    browser->setSearchText("favourite");
    EXPECT_EQ(browser->visibleRunCount(), 1);
    browser->setSearchText("");
    ASSERT_TRUE(browser->removeTags(alpha, {"favourite"}));
    tags = browser->runRecord(alpha)->tags;
    EXPECT_EQ(std::find(tags.begin(), tags.end(), "favourite"), tags.end());
    ASSERT_TRUE(browser->setNotes(alpha, "a note"));
    EXPECT_EQ(browser->runRecord(alpha)->notes, "a note");

    // Declined: nothing deleted. Accepted: one run left.
    int asked = 0;
    browser->setConfirmHandler([&](const QString&, const QString&) { return ++asked > 1; });
    EXPECT_FALSE(browser->deleteRun(beta));
    EXPECT_EQ(browser->table()->rowCount(), 2);
    EXPECT_TRUE(browser->deleteRun(beta));
    EXPECT_EQ(asked, 2);
    EXPECT_EQ(browser->table()->rowCount(), 1);
    EXPECT_FALSE(browser->runRecord(beta).has_value());
    EXPECT_TRUE(warnings_.isEmpty());

    // Unknown id: a warning, no crash.
    EXPECT_FALSE(browser->addTags(9999, {"x"}));
    EXPECT_FALSE(browser->readSeries(9999).has_value());
    EXPECT_GE(warnings_.size(), 2);
}

TEST_F(BrowserTest, SeriesAndRunOpened) {
    auto browser = makeBrowser(db_);
    browser->setSearchText("beta");
    const int64_t beta = browser->visibleRunIds().front();
    auto series = browser->readSeries(beta);
    ASSERT_TRUE(series.has_value());
    EXPECT_EQ(series->name, "beta");
    ASSERT_EQ(series->steps.size(), 5u);
    ASSERT_EQ(series->meanSkewness.size(), 5u);
    ASSERT_EQ(series->balancedness.size(), 5u);
    EXPECT_GT(series->meanSkewness[0], 1.0);
    EXPECT_GT(series->meanSkewness[4], series->meanSkewness[0]);  // expert 0 grows hotter
    EXPECT_NEAR(series->balancedness[0], 15.0 / 20.0, 1e-9);      // ranks 10 and 20 rows

    int64_t opened = 0;
    QObject::connect(browser.get(), &moe::gui::ExperimentBrowser::runOpened,
                     [&](int64_t id) { opened = id; });
    for (int row = 0; row < browser->table()->rowCount(); ++row) {
        if (browser->table()->isRowHidden(row)) continue;
        emit browser->table()->cellDoubleClicked(row, 1);
    }
    EXPECT_EQ(opened, beta);

    const QString csv = dir_.filePath("loads.csv");
    QString error;
    const int64_t n = moe::gui::exportRunRecords(db_, beta, "loads", "csv", csv, &error);
    EXPECT_GT(n, 0) << error.toStdString();
    EXPECT_GT(QFileInfo(csv).size(), 0);
    EXPECT_EQ(moe::gui::exportRunRecords(db_, 9999, "loads", "csv", csv, &error), -1);
    EXPECT_FALSE(error.isEmpty());
}

TEST_F(BrowserTest, BadDatabaseWarnsInsteadOfCrashing) {
    const QString junk = dir_.filePath("junk.sqlite");
    QFile f(junk);
    ASSERT_TRUE(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(4096, 'x'));
    f.close();
    auto browser = makeBrowser(junk);
    EXPECT_FALSE(browser->isOpen());
    EXPECT_FALSE(warnings_.isEmpty());
    EXPECT_EQ(browser->table()->rowCount(), 0);
    EXPECT_FALSE(browser->refresh());
    auto missing = makeBrowser(dir_.filePath("missing.sqlite"));
    EXPECT_FALSE(missing->isOpen());
    EXPECT_FALSE(QFileInfo::exists(dir_.filePath("missing.sqlite")));
}

TEST(ExportPlotTest, WritesPngPdfAndSvgOrSaysWhy) {
    app();
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    QCustomPlot plot;
    plot.resize(320, 240);
    plot.addGraph();
    plot.graph(0)->setData({0, 1, 2, 3}, {1, 3, 2, 4});
    plot.rescaleAxes();
    plot.replot();
    QString error;
    for (const char* name : {"plot.png", "plot.PDF"}) {
        const QString path = dir.filePath(name);
        EXPECT_TRUE(moe::widgets::exportPlot(&plot, path, &error)) << error.toStdString();
        EXPECT_GT(QFileInfo(path).size(), 0) << name;
    }
    const QString svg = dir.filePath("plot.svg");
    if (moe::widgets::svgExportSupported()) {
        EXPECT_TRUE(moe::widgets::exportPlot(&plot, svg, &error)) << error.toStdString();
        EXPECT_GT(QFileInfo(svg).size(), 0);
    } else {
        EXPECT_FALSE(moe::widgets::exportPlot(&plot, svg, &error));
        EXPECT_TRUE(error.contains("SVG"));
    }
    EXPECT_FALSE(moe::widgets::exportPlot(&plot, dir.filePath("plot.bmpx"), &error));
    EXPECT_FALSE(moe::widgets::exportPlot(nullptr, dir.filePath("plot.png"), &error));
    moe::widgets::addExportContextMenu(&plot);
    EXPECT_EQ(plot.contextMenuPolicy(), Qt::CustomContextMenu);
}

}  // namespace
