// The what-if side of the main window: the matrix of the panel's experiment (predictors,
// policies and cadences picked in a dialog) run off the GUI thread with a progress dialog
// (Cancel stops it between steps and shows what ran), stored beside the runs when the panel
// records, and stored matrices reopened from the browser.
// Core's headers come first, before Qt's `slots` macro exists (whatif_job.h says why).
#include "core/store/experiment_store.h"
#include "core/store/store_paths.h"
#include "core/whatif/measured_strategies.h"
#include "core/whatif/whatif_matrix.h"
#include "core/whatif/whatif_store.h"
// (Qt after this line.)
#include <QDockWidget>
#include <QLabel>
#include <QProgressDialog>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/whatif_dialog.h"

namespace moe::gui {

void MainWindow::connectWhatIf() {
    whatIfJob_ = new WhatIfJob(
        [this](const WhatIfResult& r, const WhatIfSpec& spec) { whatIfFinished(r, spec); },
        [this](const QString& message) {
            whatIfPoll_.stop();
            if (whatIfProgress_) whatIfProgress_->hide();
            showMessage(tr("What-if matrix failed"), message);
            if (!screenshotPath_.isEmpty()) screenshotAndQuit();  // exits 1: an error was printed
        },
        this);
    whatIfPoll_.setInterval(100);
    connect(&whatIfPoll_, &QTimer::timeout, this, [this] {
        if (whatIfProgress_) whatIfProgress_->setValue(static_cast<int>(whatIfJob_->stepsDone()));
    });
}

// The panel's experiment as a matrix: its predictors (every family), its policy beside EPLB,
// GPS and FasterMoE, every step and every 50 steps; the dialog starts from these.
WhatIfChoice MainWindow::whatIfDefaults() const {
    const ExperimentConfig config = panel_->config();
    WhatIfChoice choice;
    choice.predictors = config.prediction.predictors;
    if (choice.predictors.empty()) choice.predictors = {"last", "sw_avg"};
    // "none" plans nothing and contiguous is the matrix's own lower bound.
    const std::string own = config.rebalance.policy;
    if (config.rebalance.enabled() && own != "contiguous") choice.policies.push_back(own);
    for (const char* p : {"eplb", "gps", "fastermoe"})
        if (std::find(choice.policies.begin(), choice.policies.end(), p) == choice.policies.end())
            choice.policies.push_back(p);
    choice.cadences = {1, 50};
    return choice;
}

WhatIfSpec MainWindow::whatIfSpec(const WhatIfChoice& choice) const {
    WhatIfSpec spec;
    spec.base = panel_->config();
    spec.predictors = choice.predictors;
    spec.policies = choice.policies;
    spec.cadences = choice.cadences;
    spec.migrationModes = choice.relabel;
    // The CLI's default rate (`whatif --tflops 400`), so one config models the same step time
    // from either front end.
    spec.cluster.flopRate = 400e12;
    // The matrix sets policy and cadence per lane; each forecasts until its next plan.
    spec.base.rebalance.policy.clear();
    spec.base.rebalance.horizon = 0;
    return spec;
}

void MainWindow::chooseWhatIfMatrix() {
    WhatIfDialog dialog(whatIfDefaults(), QString::fromStdString(panel_->config().workload.spec),
                        this);
    if (dialog.exec() == QDialog::Accepted) runWhatIfMatrix(dialog.choice());
}

bool MainWindow::runWhatIfMatrix() { return runWhatIfMatrix(whatIfDefaults()); }

bool MainWindow::runWhatIfMatrix(const WhatIfChoice& choice) {
    if (runner_.live() || whatIfJob_->running() || readingRecording()) {
        showMessage(tr("What-if matrix"),
                    tr("Wait for the running experiment, matrix or recording read to end (Esc "
                       "stops a run)."));
        return false;
    }
    const WhatIfSpec spec = whatIfSpec(choice);
    if (!whatIfProgress_) {
        whatIfProgress_ = new QProgressDialog(this);
        whatIfProgress_->setWindowTitle(tr("What-if matrix"));
        whatIfProgress_->setAutoClose(false);
        whatIfProgress_->setAutoReset(false);
        whatIfProgress_->setMinimumDuration(0);
        connect(whatIfProgress_, &QProgressDialog::canceled, this,
                [this] { whatIfJob_->cancel(); });
    }
    const int64_t steps = spec.base.workload.steps;
    whatIfProgress_->setLabelText(
        tr("Replaying %1 on %2 predictor(s) x %3 policies x %4 cadence(s)...\nCancel keeps "
           "the steps replayed so far.")
            .arg(QString::fromStdString(spec.base.workload.spec))
            .arg(spec.predictors.size())
            .arg(spec.policies.size() * spec.migrationModes.size())
            .arg(spec.cadences.size()));
    whatIfProgress_->setRange(0, steps > 0 ? static_cast<int>(steps) : 0);
    whatIfProgress_->setValue(0);
    whatIfProgress_->show();
    whatIfJob_->start(spec);
    whatIfPoll_.start();
    stateLabel_->setText(tr("what-if matrix running (Cancel keeps what ran)"));
    return true;
}

void MainWindow::whatIfFinished(const WhatIfResult& result, const WhatIfSpec& spec) {
    whatIfPoll_.stop();
    if (whatIfProgress_) whatIfProgress_->hide();
    showWhatIf(result);
    recordWhatIf(result, spec);
    if (!screenshotPath_.isEmpty()) screenshotAndQuit();  // --whatif --screenshot
}

void MainWindow::recordWhatIf(const WhatIfResult& result, const WhatIfSpec& spec) {
    const ExperimentRecording& rec = spec.base.recording;
    if (!rec.record || result.steps == 0) {
        stateLabel_->setText(tr("what-if matrix done (not recorded)"));
        return;
    }
    try {
        const std::string path = rec.database.empty() ? store::defaultDatabasePath() : rec.database;
        store::ensureParentFolder(path);
        const int64_t id = saveWhatIf(path, spec, result, whatIfJob_->cancelled());
        const QString db = QString::fromStdString(path);
        if (browser_->databasePath() != db || !browser_->isOpen())
            browser_->openDatabase(db);
        else
            browser_->refresh();
        stateLabel_->setText(tr("what-if matrix saved as run %1 in %2").arg(id).arg(db));
    } catch (const std::exception& e) {
        showMessage(tr("What-if matrix not saved"), QString::fromUtf8(e.what()));
    }
}

void MainWindow::showWhatIf(const WhatIfResult& result) {
    whatIf_->setMatrix(whatIfTitle(result), whatIfCells(result));
    whatIfDock_->show();
    whatIfDock_->raise();
    if (whatIfDock_->height() < 360) resizeDocks({whatIfDock_}, {360}, Qt::Vertical);
}

// A stored run that holds a matrix opens in the what-if view (it has no steps to scrub).
bool MainWindow::showStoredWhatIf(int64_t runId) {
    try {
        store::ExperimentStore store(browser_->databasePath().toStdString());
        const store::RunRecord run = store.run(runId);
        if (!hasWhatIf(store.connection(), runId)) return false;
        showWhatIf(loadWhatIf(store.connection(), run));
        strategyMapFromRun(runId);
        stateLabel_->setText(tr("what-if run %1 from %2").arg(runId).arg(browser_->databasePath()));
    } catch (const std::exception&) {
        return false;  // the replay path opens it again and says what is wrong
    }
    return true;
}

}  // namespace moe::gui

namespace moe::gui {

// Assumed strategies keep MoE-GPS's figures and say so in their names, so the map's legend
// tells measured from assumed at a glance.
bool MainWindow::strategyMapFromRun(int64_t runId) {
    try {
        store::ExperimentStore store(browser_->databasePath().toStdString());
        const store::RunRecord run = store.run(runId);
        PerfConfig config;
        config.model = mapShape_.model;
        config.ranks = mapShape_.ranks;
        config.tokens = mapShape_.tokens;
        const MeasuredStrategies m = measuredStrategies(store.connection(), run, config);
        std::vector<Strategy> strategies;
        int measured = 0;
        for (const SourcedStrategy& s : m.strategies) {
            strategies.push_back(s.strategy);
            if (!s.measured) strategies.back().name += " (assumed)";
            measured += s.measured && s.strategy.kind != StrategyKind::None;
        }
        const MapShape shape = mapShape_;
        computeStrategyMap(shape.model, shape.ranks, shape.tokens,
                           tr("%1; %2 strategies measured in run %3, the rest assumed")
                               .arg(shape.setting)
                               .arg(measured)
                               .arg(runId),
                           strategies);
        mapShape_.setting = shape.setting;  // the next map starts from the plain setting
        return true;
    } catch (const std::exception&) {
        return false;  // a run without predictor figures leaves the map as it was
    }
}

}  // namespace moe::gui
