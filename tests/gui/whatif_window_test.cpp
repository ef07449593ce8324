// The main window's what-if side past the happy path whatif_view_test.cpp walks: the dialog
// starts from the panel and refuses what cannot run, a bad name comes back as a message, Cancel
// keeps the steps replayed so far, relabelled plans become a choice in the view, and
// `moe-workbench --whatif --screenshot` runs a real trace's matrix and saves its pictures.
#include <gtest/gtest.h>

#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProcessEnvironment>
#include <QProgressDialog>
#include <QPushButton>
#include <QSet>
#include <QTemporaryDir>
#include <memory>

#include "app/gui/experiment_config.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/whatif_dialog.h"
#include "tests/gui/gui_test_support.h"
#include "widgets/whatif_view.h"

namespace {

using moe::gui::MainWindow;
using moe::gui::WhatIfChoice;
using moe::gui::WhatIfDialog;

moe::gui::ExperimentConfig smallExperiment(int64_t steps) {
    moe::gui::ExperimentConfig c = moe::gui::defaultGuiConfig();
    c.workload.spec = "synthetic:layers=2,experts=8,top_k=2,tokens=128,skew=2.5,drift=0.02";
    c.workload.batching = "tokens";
    c.workload.steps = steps;
    c.prediction.predictors = {"last", "ema"};
    c.recording.record = false;
    return c;
}

// A window whose messages are collected instead of shown.
struct TestWindow {
    QStringList messages;
    std::unique_ptr<MainWindow> window;

    explicit TestWindow(const moe::gui::ExperimentConfig& config) {
        moe::test::ensureApp();
        window = std::make_unique<MainWindow>(false);
        window->setMessageHandler(
            [this](const QString& title, const QString& text) { messages << title + ": " + text; });
        window->panel()->setConfig(config);
    }
    bool finish() {
        return moe::test::waitUntil([&] { return !window->whatIfJob().running(); }, 60000);
    }
};

TEST(WhatIfWindow, TheDialogStartsFromThePanelAndRefusesWhatCannotRun) {
    moe::gui::ExperimentConfig config = smallExperiment(20);
    config.rebalance.policy = "gps";
    TestWindow t(config);
    WhatIfChoice defaults = t.window->whatIfDefaults();
    EXPECT_EQ(defaults.predictors, (std::vector<std::string>{"last", "ema"}));
    EXPECT_EQ(defaults.policies, (std::vector<std::string>{"gps", "eplb", "fastermoe"}));
    EXPECT_EQ(defaults.cadences, (std::vector<int64_t>{1, 50}));
    config.rebalance.policy = "none";  // plans nothing: not a column
    t.window->panel()->setConfig(config);
    defaults = t.window->whatIfDefaults();
    EXPECT_EQ(defaults.policies, (std::vector<std::string>{"eplb", "gps", "fastermoe"}));

    WhatIfDialog dialog(defaults, "synthetic");
    EXPECT_TRUE(dialog.problem().isEmpty()) << dialog.problem().toStdString();
    if (const QByteArray shots = qgetenv("MOE_WIDGETS_SHOTS"); !shots.isEmpty())  // to look at
        dialog.grab().save(QString::fromLocal8Bit(shots) + "/whatif-dialog.png");
    EXPECT_EQ(dialog.choice().predictors, defaults.predictors);
    EXPECT_EQ(dialog.choice().policies, defaults.policies);
    EXPECT_EQ(dialog.choice().cadences, defaults.cadences);
    EXPECT_EQ(dialog.choice().relabel, std::vector<bool>{false});
    dialog.cadencesEdit()->setText("1, x");
    EXPECT_TRUE(dialog.problem().contains("\"x\"")) << dialog.problem().toStdString();
    dialog.cadencesEdit()->setText("0");
    EXPECT_FALSE(dialog.problem().isEmpty()) << "a cadence of 0 steps";
    dialog.cadencesEdit()->setText("5 10");
    EXPECT_EQ(dialog.choice().cadences, (std::vector<int64_t>{5, 10}));
    dialog.policiesEdit()->setText(" , ");
    EXPECT_FALSE(dialog.problem().isEmpty()) << "no policy";
    dialog.policiesEdit()->setText("eplb,harmoeny");
    dialog.predictorsEdit()->setPlainText("sw_avg:window=20\n\n  last  \n");
    dialog.relabelBox()->setCurrentIndex(2);
    const WhatIfChoice picked = dialog.choice();
    EXPECT_TRUE(dialog.problem().isEmpty()) << dialog.problem().toStdString();
    EXPECT_EQ(picked.predictors, (std::vector<std::string>{"sw_avg:window=20", "last"}));
    EXPECT_EQ(picked.policies, (std::vector<std::string>{"eplb", "harmoeny"}));
    EXPECT_EQ(picked.relabel, (std::vector<bool>{false, true}));
}

TEST(WhatIfWindow, ABadPredictorComesBackAsAMessageAndTheNextMatrixRuns) {
    TestWindow t(smallExperiment(20));
    WhatIfChoice choice = t.window->whatIfDefaults();
    choice.predictors = {"no_such_predictor"};
    ASSERT_TRUE(t.window->runWhatIfMatrix(choice));
    ASSERT_TRUE(t.finish());
    ASSERT_EQ(t.messages.size(), 1);
    EXPECT_TRUE(t.messages[0].contains("What-if matrix failed")) << t.messages[0].toStdString();
    EXPECT_TRUE(t.messages[0].contains("no_such_predictor")) << t.messages[0].toStdString();
    EXPECT_TRUE(t.window->whatIfView()->predictors().isEmpty());
    ASSERT_TRUE(t.window->runWhatIfMatrix());
    ASSERT_TRUE(t.finish());
    EXPECT_EQ(t.messages.size(), 1) << t.messages.join("\n").toStdString();
    EXPECT_EQ(t.window->whatIfView()->predictors(), (QStringList{"last", "ema"}));
}

TEST(WhatIfWindow, CancelKeepsTheStepsReplayedSoFar) {
    const int64_t steps = 2000000;  // far more than replay before the cancel
    TestWindow t(smallExperiment(steps));
    ASSERT_TRUE(t.window->runWhatIfMatrix());
    auto* progress = t.window->findChild<QProgressDialog*>();
    ASSERT_NE(progress, nullptr);
    EXPECT_TRUE(progress->isVisible());
    ASSERT_TRUE(
        moe::test::waitUntil([&] { return t.window->whatIfJob().stepsDone() >= 20; }, 30000));
    auto* cancel = progress->findChild<QPushButton*>();
    ASSERT_NE(cancel, nullptr);
    cancel->click();
    ASSERT_TRUE(t.finish());
    EXPECT_TRUE(t.messages.isEmpty()) << t.messages.join("\n").toStdString();
    EXPECT_FALSE(progress->isVisible());
    const moe::widgets::WhatIfView* view = t.window->whatIfView();
    ASSERT_FALSE(view->rows().empty());
    const size_t shown = view->rows().front().curve.size();
    EXPECT_GE(shown, 20u);
    EXPECT_LT(shown, static_cast<size_t>(steps));
    EXPECT_EQ(view->curveCount(), 3);
}

TEST(WhatIfWindow, RelabelledPlansBecomeAChoiceInTheView) {
    TestWindow t(smallExperiment(30));
    WhatIfChoice choice = t.window->whatIfDefaults();
    choice.policies = {"eplb", "gps"};
    choice.cadences = {5};
    choice.relabel = {false, true};
    ASSERT_TRUE(t.window->runWhatIfMatrix(choice));
    ASSERT_TRUE(t.finish());
    EXPECT_TRUE(t.messages.isEmpty()) << t.messages.join("\n").toStdString();
    moe::widgets::WhatIfView* view = t.window->whatIfView();
    EXPECT_EQ(view->schedules(), QStringList{"5"});
    EXPECT_EQ(view->variants(), (QStringList{"as planned", "relabelled", "all"}));
    EXPECT_EQ(view->policies(), (QStringList{"eplb", "gps"}));
    view->setVariant("relabelled");
    EXPECT_EQ(view->policies(), (QStringList{"eplb+relabel", "gps+relabel"}));
    EXPECT_FALSE(view->cellText(0, 0).isEmpty());
}

QStringList runWorkbench(const QTemporaryDir& dir, const QStringList& args, int* code) {
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    env.insert("XDG_CONFIG_HOME", dir.path());  // never touch the user's settings
    env.insert("XDG_RUNTIME_DIR", dir.path());
    process.setProcessEnvironment(env);
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(MOE_WORKBENCH_BINARY, args);
    if (!process.waitForFinished(120000)) return {"moe-workbench did not finish"};
    *code = process.exitCode();
    return {QString::fromLocal8Bit(process.readAll())};
}

int coloursOf(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    return static_cast<int>(colours.size());
}

// The docs' pictures come from this path: the bundled trace's matrix through the window's own
// action, its grid and curve saved as views, the matrix recorded.
TEST(WhatIfWindow, ScriptedWhatIfOnTheTraceSavesTheMatrixAndItsCurve) {
    QTemporaryDir dir;
    ASSERT_TRUE(dir.isValid());
    {
        QFile config(dir.filePath("whatif.json"));
        ASSERT_TRUE(config.open(QIODevice::WriteOnly));
        config.write(R"({"format": "moe-workbench experiment 1",
                         "workload": {"spec": "trace:gpt-oss-20b", "batching": "continuous",
                         "batch": 64, "steps": 30},
                         "prediction": {"predictors": ["last", "sw_avg"]},
                         "rebalance": {"policy": "eplb", "extra_slots": 8}})");
    }
    int code = -1;
    const QString out =
        runWorkbench(dir,
                     {"--db", dir.filePath("runs.sqlite"), "--config", dir.filePath("whatif.json"),
                      "--whatif", "--screenshot", dir.filePath("window.png"), "--screenshot-views",
                      dir.filePath("views")},
                     &code)
            .join("");
    ASSERT_EQ(code, 0) << out.toStdString();
    for (const char* name : {"window.png", "views/what-if.png", "views/what-if-matrix.png",
                             "views/what-if-curve.png"}) {
        const QImage image(dir.filePath(name));
        ASSERT_FALSE(image.isNull()) << name << " missing; " << out.toStdString();
        EXPECT_GT(coloursOf(image), 40) << name << " is (almost) one colour";
    }
    // The grid's cells are coloured by gap closed: some green must be there.
    const QImage grid(dir.filePath("views/what-if-matrix.png"));
    bool green = false;
    for (int y = 0; y < grid.height() && !green; y += 2)
        for (int x = 0; x < grid.width() && !green; x += 2) {
            const QColor c = grid.pixelColor(x, y);
            green = c.green() > c.red() + 40 && c.green() > c.blue() + 40;
        }
    EXPECT_TRUE(green) << "no cell closed any of the gap";
    EXPECT_TRUE(QFileInfo(dir.filePath("runs.sqlite")).exists()) << "the matrix was not recorded";

    code = -1;
    runWorkbench(dir, {"--whatif", "--demo"}, &code);
    EXPECT_EQ(code, 2) << "--whatif and --demo would race for the panel's experiment";
}

}  // namespace
