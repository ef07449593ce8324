// See main_window.h. The live side: starting and stopping the engine thread, and the only
// place engine telemetry meets Qt. Frames are drained from the runner's queue on the GUI
// thread, appended to the views, and replotted once per tick, however many steps arrived.
#include <qcustomplot.h>

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QPixmap>
#include <QStatusBar>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/step_summary.h"
#include "core/stats/load_matrix.h"
#include "widgets/comparison_table.h"
#include "widgets/export_util.h"
#include "widgets/load_heatmap_view.h"
#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"
#include "widgets/rank_balance_view.h"

namespace moe::gui {

namespace {
double quantile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
}
}  // namespace

void MainWindow::startRun() {
    if (runner_.live()) return;
    if (readingRecording()) {  // the run is to use the recording being read
        startWhenRead_ = true;
        statusBar()->showMessage(tr("The run starts once the recording is read"));
        return;
    }
    const QString problem = panel_->validate();
    if (!problem.isEmpty()) {
        showMessage(tr("Cannot start"), problem);
        return;
    }
    closeReplay();
    heatmap_->clear();
    balance_->clear();
    errors_->clear();
    placement_->clear();
    predictorsKnown_ = placementKnown_ = strategyKnown_ = false;
    const ExperimentConfig config = panel_->config();
    runWorkload_ = config.workload.spec;
    horizons_ = config.prediction.horizons;
    liveErrors_.assign(horizons_.size(), {});
    steps_ = tokens_ = dropped_ = rateSteps_ = rateTokens_ = 0;
    stepsPerSecond_ = tokensPerSecond_ = 0;
    rateStart_ = runStart_ = lastComparison_ = clock_.elapsed();
    runner_.start(config);
    panel_->setRunning(true, false);
    stateLabel_->setText(tr("running"));
    timer_.start();
}

void MainWindow::togglePause() {
    if (runner_.state() == RunState::Running) {
        runner_.pause();
        stateLabel_->setText(tr("paused (Space resumes)"));
    } else if (runner_.state() == RunState::Paused) {
        runner_.resume();
        stateLabel_->setText(tr("running"));
    } else {
        return;
    }
    panel_->setRunning(true, runner_.state() == RunState::Paused);
}

void MainWindow::stopRun() {
    if (!runner_.live()) return;
    runner_.stop();
    poll();
}

void MainWindow::enableUiBench(const QString& reportPath) {
    bench_ = std::make_unique<UiBench>();
    connect(qApp, &QApplication::aboutToQuit, this, [this, reportPath] {
        std::string text = bench_->report().text();
        // Where the frame time goes: each view's mean replot (QCustomPlot measures it).
        char line[256];
        std::snprintf(line, sizeof line,
                      "replot mean (ms)       heatmap %.1f, balance %.1f, errors %.1f, "
                      "placement %.1f\n",
                      heatmap_->plot()->replotTime(true), balance_->plot()->replotTime(true),
                      errors_->plot()->replotTime(true), placement_->plot()->replotTime(true));
        text += line;
        std::fputs(text.c_str(), stdout);
        std::fflush(stdout);
        if (!reportPath.isEmpty()) std::ofstream(reportPath.toStdString()) << text;
    });
}

void MainWindow::poll() {
    if (bench_) bench_->tickStart();
    // Read liveness before draining: the engine pushes its last frame before it ends, so a run
    // seen ended here has nothing left behind the drain (read after, a frame could slip by).
    const bool live = runner_.live();
    dropped_ += runner_.drain(frames_);
    for (const Frame& f : frames_) consume(f);
    if (!frames_.empty()) refreshViews();
    for (const std::string& w : runner_.takeWarnings())
        showMessage(tr("Note"), QString::fromStdString(w));
    const qint64 now = clock_.elapsed();
    if (now - rateStart_ >= 1000) {
        const double seconds = (now - rateStart_) / 1000.0;
        stepsPerSecond_ = rateSteps_ / seconds;
        tokensPerSecond_ = rateTokens_ / seconds;
        rateSteps_ = rateTokens_ = 0;
        rateStart_ = now;
    }
    if (now - lastComparison_ >= 1000) {
        lastComparison_ = now;
        updateComparison();
    }
    updateStatus();
    if (bench_) bench_->tickEnd(steps_);
    if (!live) runEnded();
}

void MainWindow::refreshViews() {
    heatmap_->refresh();
    balance_->refresh();
    errors_->refresh();
}

void MainWindow::consume(const Frame& f) {
    const StepTelemetry& t = f.telemetry;
    if (!predictorsKnown_) {
        predictorsKnown_ = true;
        QStringList names;
        for (const auto& n : runner_.predictorNames()) names << QString::fromStdString(n);
        errors_->setPredictors(names, horizons_, t.layers);
        for (auto& perHorizon : liveErrors_)
            perHorizon.assign(static_cast<size_t>(names.size()), {});
    }
    if (!strategyKnown_) {
        strategyKnown_ = true;
        try {
            strategyMapForRun(t);
        } catch (const std::exception& e) {  // a shape the model rejects: keep the last map
            showMessage(tr("Note"), tr("Strategy map not updated: %1").arg(e.what()));
        }
    }
    if (!placementKnown_) {
        placementKnown_ = true;
        heatmap_->setLayerNumbers(runner_.modelLayers());
        placement_->setLayerNumbers(runner_.modelLayers());
        int experts = 0;
        std::vector<int> counts = runner_.initialReplicaCounts(experts);
        if (experts > 0) placement_->setPlacement(t.layers, t.ranks, experts, counts, {});
    }
    for (const PredictionPoint& p : f.errors) {
        errors_->appendError(p.predictor, p.horizonIndex, p.step, p.relative);
        if (static_cast<size_t>(p.horizonIndex) < liveErrors_.size() &&
            static_cast<size_t>(p.predictor) < liveErrors_[p.horizonIndex].size()) {
            auto& v = liveErrors_[p.horizonIndex][p.predictor];
            // Keep the last 20,000 for the quantiles: memory stays flat on endless runs.
            if (v.size() >= 20000) v.erase(v.begin(), v.begin() + 10000);
            v.push_back(p.relative);
        }
    }
    errors_->appendPhase(t.step, f.stable);
    if (f.rebalanced) {
        placement_->setPlacement(t.layers, t.ranks, f.experts, f.replicaCounts, f.changed);
        placement_->setRebalance({f.event.step, f.event.balancednessBefore,
                                  f.event.balancednessAfter, f.event.movedExperts,
                                  f.event.movedBytes});
    }
    ++steps_;
    ++rateSteps_;
    tokens_ += t.tokens;
    rateTokens_ += t.tokens;
    heatmap_->appendStep(t.step, t.loads.layers(), t.loads.experts(), t.loads.all());

    widgets::RankBalanceView::RankStep rs = rankStep(t);
    rs.measuredSeconds = f.measuredSlowest;
    rs.contiguousBalancedness = f.contiguousBalancedness;
    rs.oracleBalancedness = f.oracleBalancedness;
    rs.modelledSeconds = f.modelledSlowest;
    rs.fittedSeconds = f.fittedSlowest;
    balance_->appendStep(rs);
}

void MainWindow::updateStatus() {
    stepsLabel_->setText(tr("steps %1").arg(steps_) +
                         (dropped_ ? tr(" (%1 frames dropped)").arg(dropped_) : QString()));
    rateLabel_->setText(tr("%1 steps/s  %2 tokens/s")
                            .arg(stepsPerSecond_, 0, 'f', 1)
                            .arg(tokensPerSecond_, 0, 'f', 0));
    const bool live = runner_.live();
    if (startAction_) startAction_->setEnabled(!live);
    if (pauseAction_) pauseAction_->setEnabled(live);
    if (stopAction_) stopAction_->setEnabled(live);
}

void MainWindow::updateComparison() {
    std::vector<widgets::PredictorRow> predictors = storedPredictorRows_;
    std::vector<widgets::PolicyRow> policies = storedPolicyRows_;
    const QString live = runner_.runId() ? tr("live (run %1)").arg(runner_.runId()) : tr("live");
    const std::vector<PredictorScoreRow> scores = runner_.predictorScores();
    const std::vector<std::string> names = runner_.predictorNames();
    for (const PredictorScoreRow& s : scores) {
        widgets::PredictorRow row;
        row.name = QString::fromStdString(s.name);
        row.horizon = s.horizon;
        row.meanRelativeError = s.meanRelative;
        row.samples = s.samples;
        row.microsPerForecast = s.microsPerForecast;
        row.accuracy = s.accuracy;
        row.topKOverlap = s.topKOverlap;
        row.run = live;
        row.p50 = row.p95 = NAN;
        const auto h = std::find(horizons_.begin(), horizons_.end(), s.horizon);
        const auto p = std::find(names.begin(), names.end(), s.name);
        if (h != horizons_.end() && p != names.end()) {
            const size_t hi = static_cast<size_t>(h - horizons_.begin());
            const size_t pi = static_cast<size_t>(p - names.begin());
            if (hi < liveErrors_.size() && pi < liveErrors_[hi].size()) {
                row.p50 = quantile(liveErrors_[hi][pi], 0.5);
                row.p95 = quantile(liveErrors_[hi][pi], 0.95);
            }
        }
        predictors.push_back(row);
    }
    const PolicyScoreRow pol = runner_.policyScore();
    if (!pol.name.empty()) {
        widgets::PolicyRow row;
        row.name = QString::fromStdString(pol.name);
        row.run = live;
        row.rebalances = pol.rebalances;
        row.balancednessBefore = pol.balancednessBefore;
        row.balancednessAfter = pol.balancednessAfter;
        row.modelledSlowestMs = pol.modelledSlowestSeconds * 1e3;
        row.measuredSlowestMs = pol.measuredSlowestSeconds * 1e3;
        row.movedExperts = pol.movedExperts;
        policies.push_back(row);
    }
    comparison_->setPredictorRows(predictors);
    comparison_->setPolicyRows(policies);
}

bool MainWindow::saveViewShots() {
    // Each view as the user sees it in its dock, raised first so tabbed docks are drawn.
    if (!QDir().mkpath(viewShotsDir_)) {
        std::fprintf(stderr, "moe-workbench: cannot create the folder %s\n",
                     qPrintable(viewShotsDir_));
        return false;
    }
    bool ok = true;
    for (const auto& [title, view] : exportableViews()) {
        for (QWidget* w = view->parentWidget(); w; w = w->parentWidget())
            if (auto* dock = qobject_cast<QDockWidget*>(w)) dock->raise();
        QApplication::processEvents();
        QString name = title.toLower();
        name.replace(' ', '-');
        const QString path = viewShotsDir_ + "/" + name + ".png";
        QString error;
        if (!widgets::exportWidget(view, path, &error)) {
            std::fprintf(stderr, "moe-workbench: %s\n", qPrintable(error));
            ok = false;
        }
    }
    // A matrix's grid and curve also alone (docs/screenshots/whatif-*.png).
    if (!whatIf_->rows().empty())
        for (const auto& [name, part] :
             {std::pair{QStringLiteral("what-if-matrix"), whatIf_->gridPanel()},
              std::pair{QStringLiteral("what-if-curve"), whatIf_->curvePanel()}}) {
            QString error;
            if (!widgets::exportWidget(part, viewShotsDir_ + "/" + name + ".png", &error)) {
                std::fprintf(stderr, "moe-workbench: %s\n", qPrintable(error));
                ok = false;
            }
        }
    return ok;
}

void MainWindow::runEnded() {
    timer_.stop();
    panel_->setRunning(false, false);
    if (stepsPerSecond_ == 0 && clock_.elapsed() > runStart_) {  // a run shorter than 1 s
        const double seconds = (clock_.elapsed() - runStart_) / 1000.0;
        stepsPerSecond_ = steps_ / seconds;
        tokensPerSecond_ = tokens_ / seconds;
    }
    updateStatus();
    updateComparison();
    const RunState state = runner_.state();
    const QString error = QString::fromStdString(runner_.error());
    QString saved;
    if (runner_.runId())
        saved = tr("; saved as run %1 in %2")
                    .arg(runner_.runId())
                    .arg(QString::fromStdString(runner_.databasePath()));
    stateLabel_->setText(state == RunState::Failed ? tr("failed: %1").arg(error)
                                                   : tr("finished") + saved);
    if (runner_.runId()) {
        // Show the new run in the browser (opening the database on the first recorded run).
        const QString db = QString::fromStdString(runner_.databasePath());
        if (browser_->databasePath() != db || !browser_->isOpen())
            browser_->openDatabase(db);
        else
            browser_->refresh();
    }
    if (bench_ || !screenshotPath_.isEmpty()) {
        finishScriptedRun(state, error);
        return;
    }
    if (state == RunState::Failed) showMessage(tr("Run failed"), error);
}

void MainWindow::finishScriptedRun(RunState state, const QString& error) {
    if (bench_) {
        // A run shorter than the warm-up measures nothing: say so rather than report zeros.
        if (bench_->report().frames == 0) {
            std::fprintf(stderr,
                         "moe-workbench: --bench-ui measured no frames after the warm-up; "
                         "give more --steps\n");
            ++scriptedErrors_;
        }
        QApplication::exit(state == RunState::Failed || scriptedErrors_ > 0 ? 1 : 0);
        return;
    }
    if (!screenshotPath_.isEmpty()) {
        if (state == RunState::Failed) {
            std::fprintf(stderr, "moe-workbench: %s\n", qPrintable(error));
            QApplication::exit(1);
            return;
        }
        refreshViews();
        screenshotAndQuit();
    }
}

bool MainWindow::saveScreenshots() {
    // Draw everything now (queued replots included) before grabbing.
    QApplication::processEvents();
    QDir().mkpath(QFileInfo(screenshotPath_).absolutePath());
    bool ok = grab().save(screenshotPath_);
    if (!ok) std::fprintf(stderr, "moe-workbench: cannot write %s\n", qPrintable(screenshotPath_));
    if (!viewShotsDir_.isEmpty()) ok = saveViewShots() && ok;
    return ok;
}

void MainWindow::screenshotAndQuit() {
    const bool ok = saveScreenshots();
    // The picture may be fine, but a script must learn that an error was printed above (a
    // damaged database, say), as a user would have seen its message box.
    if (scriptedErrors_ > 0)
        std::fprintf(stderr, "moe-workbench: %d error(s) above\n", scriptedErrors_);
    QApplication::exit(ok && scriptedErrors_ == 0 ? 0 : 1);
}

}  // namespace moe::gui
