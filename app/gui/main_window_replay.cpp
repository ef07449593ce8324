// See main_window.h. Stored runs: reopening one from the browser's database and scrubbing it
// with the replay bar's slider (the views show the window of steps ending at the slider, read
// from the store on demand), overlaying runs' error and balancedness curves, and adding runs'
// summaries to the comparison table. Store errors become messages, never exceptions.
#include <QAction>
#include <QLabel>
#include <QSlider>
#include <QStatusBar>
#include <QToolBar>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/run_replay.h"
#include "app/gui/step_summary.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "widgets/comparison_table.h"
#include "widgets/load_heatmap_view.h"
#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"
#include "widgets/rank_balance_view.h"

namespace moe::gui {

int64_t MainWindow::replayRunId() const { return replay_ ? replay_->run().id : 0; }

bool MainWindow::rerunStoredRun(int64_t runId) {
    if (readingRecording()) {
        showMessage(tr("Re-run"),
                    tr("A recording is being read; re-run run %1 when it is done.").arg(runId));
        return false;
    }
    if (runner_.live()) {
        showMessage(tr("Re-run"),
                    tr("Stop the live run first (Esc), then re-run run %1.").arg(runId));
        return false;
    }
    if (!browser_->isOpen()) {
        showMessage(tr("Re-run"), tr("No experiment database is open (File > Open)."));
        return false;
    }
    ExperimentConfig config;
    try {
        store::ExperimentStore store(browser_->databasePath().toStdString());
        const store::RunRecord run = store.run(runId);
        config = storedExperimentConfig(run.configJson, "run " + std::to_string(runId));
    } catch (const std::exception& e) {
        showMessage(tr("Cannot re-run run %1").arg(runId), QString::fromUtf8(e.what()));
        return false;
    }
    // Recorded as a new run beside the original, in the database the browser shows.
    config.frontEnd = "gui";
    config.recording.record = true;
    config.recording.database = browser_->databasePath().toStdString();
    if (config.recording.notes.empty())
        config.recording.notes = "re-run of run " + std::to_string(runId);
    panel_->setConfig(config);
    startRun();
    return true;
}

bool MainWindow::openStoredRun(int64_t runId) {
    if (runner_.live()) {
        showMessage(tr("Open run"),
                    tr("Stop the live run first (Esc), then open run %1.").arg(runId));
        return false;
    }
    if (!browser_->isOpen()) {
        showMessage(tr("Open run"), tr("No experiment database is open (File > Open)."));
        return false;
    }
    if (showStoredWhatIf(runId)) return true;
    try {
        replay_ = std::make_unique<RunReplay>(browser_->databasePath().toStdString(), runId);
    } catch (const std::exception& e) {
        replay_.reset();
        showMessage(tr("Cannot open run %1").arg(runId), QString::fromUtf8(e.what()));
        return false;
    }
    const store::RunRecord& run = replay_->run();
    if (replay_->steps().empty()) {
        showMessage(tr("Open run"), tr("Run %1 recorded no steps.").arg(runId));
        replay_.reset();
        return false;
    }
    replayLabel_->setText(tr("  Run %1: %2 (%3)  ")
                              .arg(run.id)
                              .arg(QString::fromStdString(run.name))
                              .arg(QString::fromStdString(store::toString(run.status))));
    // Stored runs keep layers as 0.. (their config names the recording, which says more).
    heatmap_->setLayerNumbers({});
    placement_->setLayerNumbers({});
    replaySlider_->blockSignals(true);
    replaySlider_->setRange(0, static_cast<int>(replay_->steps().size()) - 1);
    replaySlider_->setValue(replaySlider_->maximum());
    replaySlider_->setPageStep(std::max(1, replaySlider_->maximum() / 20));
    replaySlider_->blockSignals(false);
    replayBar_->show();
    stateLabel_->setText(tr("run %1 from %2").arg(run.id).arg(browser_->databasePath()));
    scrubTo(replay_->steps().back());
    strategyMapFromRun(runId);  // its predictors' measured figures, when it compared some
    return true;
}

void MainWindow::closeReplay() {
    if (!replay_) return;
    replay_.reset();
    replayBar_->hide();
    stateLabel_->setText(tr("idle: Ctrl+R runs the experiment on the left"));
}

void MainWindow::scrubTo(int64_t step) {
    if (!replay_) return;
    const std::vector<int64_t>& steps = replay_->steps();
    auto it = std::upper_bound(steps.begin(), steps.end(), step);
    if (it != steps.begin()) --it;
    const int index = static_cast<int>(it - steps.begin());
    if (replaySlider_->value() != index) {
        replaySlider_->blockSignals(true);
        replaySlider_->setValue(index);
        replaySlider_->blockSignals(false);
    }
    try {
        showReplayWindow(*it);
    } catch (const std::exception& e) {
        showMessage(tr("Cannot read run %1").arg(replay_->run().id), QString::fromUtf8(e.what()));
        closeReplay();
    }
}

void MainWindow::showReplayWindow(int64_t step) {
    const store::RunRecord& run = replay_->run();
    replayStepLabel_->setText(tr("step %1 of %2").arg(step).arg(replay_->steps().back()));
    heatmap_->clear();
    balance_->clear();
    errors_->clear();
    const int64_t from = std::max<int64_t>(0, step - heatmap_->window() + 1);
    for (const StepTelemetry& t : replay_->window(from, step)) {
        heatmap_->appendStep(t.step, t.loads.layers(), t.loads.experts(), t.loads.all());
        balance_->appendStep(rankStep(t));
    }

    // Errors: every stored (predictor, horizon) series up to the slider.
    QStringList names;
    std::vector<int> horizons;
    std::map<std::string, int> predictorIndex;
    for (const ErrorSeries& s : replay_->errors()) {
        if (!predictorIndex.count(s.predictor)) {
            predictorIndex[s.predictor] = static_cast<int>(names.size());
            names << QString::fromStdString(s.predictor);
        }
        if (std::find(horizons.begin(), horizons.end(), s.horizon) == horizons.end())
            horizons.push_back(s.horizon);
    }
    std::sort(horizons.begin(), horizons.end());
    if (!names.isEmpty()) {
        const int shown = errors_->horizonIndex();
        errors_->setPredictors(names, horizons, run.layers);
        if (shown >= 0 && shown < static_cast<int>(horizons.size()))
            errors_->setHorizonIndex(shown);
        const int64_t errorsFrom = step - 500;
        for (const ErrorSeries& s : replay_->errors()) {
            const int hi = static_cast<int>(std::find(horizons.begin(), horizons.end(), s.horizon) -
                                            horizons.begin());
            const int pi = predictorIndex[s.predictor];
            auto b = std::lower_bound(s.steps.begin(), s.steps.end(), errorsFrom);
            for (auto i = b; i != s.steps.end() && *i <= step; ++i)
                errors_->appendError(pi, hi, *i,
                                     s.relative[static_cast<size_t>(i - s.steps.begin())]);
        }
    }
    refreshViews();

    const PlacementAt p = replay_->placementAt(step);
    if (p.known) {
        placement_->setPlacement(run.layers, run.ranks, run.experts, p.counts, p.changed);
        placement_->setRebalance({p.decidedAt, p.balancednessBefore, p.balancednessAfter,
                                  static_cast<int>(p.movedExperts),
                                  static_cast<size_t>(p.movedBytes)});
    } else {
        placement_->clear();
    }
}

bool MainWindow::overlayRuns(const std::vector<int64_t>& runIds) {
    if (!browser_->isOpen()) return false;
    const int hi = errors_->horizonIndex();
    const int wantedHorizon =
        hi >= 0 && hi < static_cast<int>(horizons_.size()) ? horizons_[hi] : 1;
    for (int64_t id : runIds) {
        try {
            const std::optional<RunSeries> series = browser_->readSeries(id);
            if (!series) return false;  // the browser has said why
            balance_->setOverlay(tr("run %1").arg(id), series->steps, series->balancedness);
            RunReplay r(browser_->databasePath().toStdString(), id);
            // Per predictor: the stored horizon closest to the one the view shows.
            std::map<std::string, const ErrorSeries*> best;
            for (const ErrorSeries& s : r.errors()) {
                const ErrorSeries*& b = best[s.predictor];
                if (!b ||
                    std::abs(s.horizon - wantedHorizon) < std::abs(b->horizon - wantedHorizon))
                    b = &s;
            }
            for (const auto& [name, s] : best)
                errors_->setOverlay(tr("run %1 %2 (H=%3)")
                                        .arg(id)
                                        .arg(QString::fromStdString(name))
                                        .arg(s->horizon),
                                    s->steps, s->relative);
        } catch (const std::exception& e) {
            showMessage(tr("Cannot overlay run %1").arg(id), QString::fromUtf8(e.what()));
            return false;
        }
    }
    refreshViews();
    statusBar()->showMessage(
        tr("Overlaid %1 run(s); Run > Clear overlays removes them").arg(runIds.size()), 5000);
    return true;
}

void MainWindow::clearOverlays() {
    errors_->clearOverlays();
    balance_->clearOverlays();
    refreshViews();
}

bool MainWindow::compareRuns(const std::vector<int64_t>& runIds) {
    if (!browser_->isOpen()) return false;
    try {
        store::ExperimentStore st(browser_->databasePath().toStdString());
        for (int64_t id : runIds) {
            const store::RunRecord run = st.run(id);
            store::RunReader reader(st.connection(), run);
            const QString label = tr("run %1").arg(id);
            // Replace rows of a run compared before.
            auto sameRun = [&](const auto& row) { return row.run == label; };
            std::erase_if(storedPredictorRows_, sameRun);
            std::erase_if(storedPolicyRows_, sameRun);
            for (const store::PredictionSummary& s : reader.predictionSummary()) {
                widgets::PredictorRow row;
                row.name = QString::fromStdString(s.predictor);
                row.horizon = s.horizon;
                row.meanRelativeError = s.relativeError;
                row.p50 = row.p95 = NAN;
                row.samples = s.count;
                row.microsPerForecast = NAN;
                row.run = label;
                storedPredictorRows_.push_back(row);
            }
            const auto decisions = reader.decisionSummary();
            if (!decisions.empty()) {
                // Measured: the slowest rank's busy time per layer, summed over the run.
                double measured = 0;
                reader.forEachStep([&](const StepTelemetry& t) {
                    for (int l = 0; l < t.layers; ++l) measured += t.slowestBusy(l);
                });
                const auto metrics = reader.runMetrics();
                for (const store::DecisionSummary& d : decisions) {
                    widgets::PolicyRow row;
                    row.name = QString::fromStdString(d.policy);
                    row.run = label;
                    // One decision per layer per rebalance.
                    row.rebalances = run.layers > 0 ? static_cast<int>(d.count / run.layers) : 0;
                    row.balancednessBefore = d.balancednessBefore;
                    row.balancednessAfter = d.balancednessAfter;
                    row.movedExperts = d.movedExperts;
                    row.measuredSlowestMs = measured * 1e3;
                    auto m = metrics.find("modelled_slowest_seconds");
                    row.modelledSlowestMs = m != metrics.end() ? m->second * 1e3 : NAN;
                    storedPolicyRows_.push_back(row);
                }
            }
        }
    } catch (const std::exception& e) {
        showMessage(tr("Cannot compare"), QString::fromUtf8(e.what()));
        return false;
    }
    updateComparison();
    return true;
}

}  // namespace moe::gui
