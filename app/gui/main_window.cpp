// See main_window.h. The only place engine telemetry meets Qt: frames are drained from the
// runner's queue on the GUI thread, appended to the views, and replotted once per tick.
#include "app/gui/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>
#include <QMessageBox>
#include <QPixmap>
#include <QSettings>
#include <QShortcut>
#include <QStatusBar>
#include <algorithm>
#include <cstdio>

#include "app/gui/experiment_panel.h"
#include "core/stats/load_matrix.h"
#include "widgets/load_heatmap_view.h"
#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"
#include "widgets/rank_balance_view.h"

namespace moe::gui {

MainWindow::MainWindow(bool persist, QWidget* parent) : QMainWindow(parent), persist_(persist) {
    setWindowTitle(tr("MoE Workbench"));
    resize(1440, 900);
    heatmap_ = new widgets::LoadHeatmapView(this);
    setCentralWidget(heatmap_);

    panel_ = new ExperimentPanel(this);
    panel_->setMaximumWidth(380);  // the form needs no more; the plots get the room
    auto* panelDock = new QDockWidget(tr("Experiment"), this);
    panelDock->setObjectName("experimentDock");
    panelDock->setWidget(panel_);
    addDockWidget(Qt::LeftDockWidgetArea, panelDock);

    balance_ = new widgets::RankBalanceView(this);
    auto* balanceDock = new QDockWidget(tr("Rank balance"), this);
    balanceDock->setObjectName("rankBalanceDock");
    balanceDock->setWidget(balance_);
    addDockWidget(Qt::RightDockWidgetArea, balanceDock);
    errors_ = new widgets::PredictionErrorView(this);
    auto* errorsDock = new QDockWidget(tr("Prediction error"), this);
    errorsDock->setObjectName("predictionErrorDock");
    errorsDock->setWidget(errors_);
    addDockWidget(Qt::RightDockWidgetArea, errorsDock);

    placement_ = new widgets::PlacementView(this);
    auto* placementDock = new QDockWidget(tr("Placement"), this);
    placementDock->setObjectName("placementDock");
    placementDock->setWidget(placement_);
    addDockWidget(Qt::BottomDockWidgetArea, placementDock);
    resizeDocks({panelDock, balanceDock}, {300, 420}, Qt::Horizontal);
    resizeDocks({balanceDock, errorsDock}, {330, 330}, Qt::Vertical);
    resizeDocks({placementDock}, {190}, Qt::Vertical);

    stateLabel_ = new QLabel(tr("idle"), this);
    stepsLabel_ = new QLabel(this);
    rateLabel_ = new QLabel(this);
    statusBar()->addWidget(stateLabel_, 1);
    statusBar()->addPermanentWidget(stepsLabel_);
    statusBar()->addPermanentWidget(rateLabel_);
    updateStatus();

    connect(panel_, &ExperimentPanel::startRequested, this, &MainWindow::startRun);
    connect(panel_, &ExperimentPanel::pauseRequested, this, &MainWindow::togglePause);
    connect(panel_, &ExperimentPanel::stopRequested, this, &MainWindow::stopRun);
    connect(new QShortcut(QKeySequence(tr("Ctrl+R")), this), &QShortcut::activated, this,
            &MainWindow::startRun);
    connect(new QShortcut(QKeySequence(Qt::Key_Space), this), &QShortcut::activated, this,
            &MainWindow::togglePause);
    connect(new QShortcut(QKeySequence(Qt::Key_Escape), this), &QShortcut::activated, this,
            &MainWindow::stopRun);

    timer_.setInterval(33);  // ~30 Hz
    connect(&timer_, &QTimer::timeout, this, &MainWindow::poll);
    clock_.start();

    if (persist_) {
        QSettings settings;
        panel_->load(settings);
        restoreGeometry(settings.value("window/geometry").toByteArray());
        restoreState(settings.value("window/state").toByteArray());
    }
}

MainWindow::~MainWindow() { runner_.stop(); }

void MainWindow::closeEvent(QCloseEvent* event) {
    runner_.stop();
    if (persist_) {
        QSettings settings;
        panel_->save(settings);
        settings.setValue("window/geometry", saveGeometry());
        settings.setValue("window/state", saveState());
    }
    event->accept();
}

void MainWindow::startRun() {
    if (runner_.live()) return;
    heatmap_->clear();
    balance_->clear();
    errors_->clear();
    placement_->clear();
    predictorsKnown_ = placementKnown_ = false;
    horizon_ = panel_->config().horizon;
    steps_ = tokens_ = dropped_ = rateSteps_ = rateTokens_ = 0;
    stepsPerSecond_ = tokensPerSecond_ = 0;
    rateStart_ = runStart_ = clock_.elapsed();
    runner_.start(panel_->config());
    panel_->setRunning(true, false);
    stateLabel_->setText(tr("running"));
    timer_.start();
}

void MainWindow::togglePause() {
    if (runner_.state() == RunState::Running) {
        runner_.pause();
        stateLabel_->setText(tr("paused"));
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

void MainWindow::poll() {
    dropped_ += runner_.drain(frames_);
    for (const Frame& f : frames_) consume(f);
    if (!frames_.empty()) {
        heatmap_->refresh();
        balance_->refresh();
        errors_->refresh();
    }
    const qint64 now = clock_.elapsed();
    if (now - rateStart_ >= 1000) {
        const double seconds = (now - rateStart_) / 1000.0;
        stepsPerSecond_ = rateSteps_ / seconds;
        tokensPerSecond_ = rateTokens_ / seconds;
        rateSteps_ = rateTokens_ = 0;
        rateStart_ = now;
    }
    updateStatus();
    if (!runner_.live()) runEnded();
}

void MainWindow::consume(const Frame& f) {
    const StepTelemetry& t = f.telemetry;
    if (!predictorsKnown_) {
        predictorsKnown_ = true;
        QStringList names;
        for (const auto& n : runner_.predictorNames()) names << QString::fromStdString(n);
        errors_->setPredictors(names, horizon_, t.layers);
    }
    if (!placementKnown_) {
        placementKnown_ = true;
        int experts = 0;
        std::vector<int> counts = runner_.initialReplicaCounts(experts);
        if (experts > 0) placement_->setPlacement(t.layers, t.ranks, experts, counts, {});
    }
    for (const PredictionPoint& p : f.errors) errors_->appendError(p.predictor, p.step, p.relative);
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
    std::vector<double> rows(static_cast<size_t>(t.ranks), 0.0);
    double balance = 0;
    for (int l = 0; l < t.layers; ++l) {
        std::vector<double> layerRows(static_cast<size_t>(t.ranks));
        for (int r = 0; r < t.ranks; ++r) {
            layerRows[r] = static_cast<double>(t.rankRowsAt(l, r));
            rows[r] += layerRows[r];
        }
        balance += moe::balancedness(layerRows);
    }
    balance_->appendStep(t.step, rows, t.layers > 0 ? balance / t.layers : 1.0);
}

void MainWindow::updateStatus() {
    stepsLabel_->setText(tr("steps %1").arg(steps_) +
                         (dropped_ ? tr(" (%1 frames dropped)").arg(dropped_) : QString()));
    rateLabel_->setText(tr("%1 steps/s  %2 tokens/s")
                            .arg(stepsPerSecond_, 0, 'f', 1)
                            .arg(tokensPerSecond_, 0, 'f', 0));
}

void MainWindow::runEnded() {
    timer_.stop();
    panel_->setRunning(false, false);
    if (stepsPerSecond_ == 0 && clock_.elapsed() > runStart_) {  // a run shorter than 1 s
        const double seconds = (clock_.elapsed() - runStart_) / 1000.0;
        stepsPerSecond_ = steps_ / seconds;
        tokensPerSecond_ = tokens_ / seconds;
        updateStatus();
    }
    const RunState state = runner_.state();
    const QString error = QString::fromStdString(runner_.error());
    stateLabel_->setText(state == RunState::Failed ? tr("failed: %1").arg(error) : tr("finished"));
    if (!screenshotPath_.isEmpty()) {
        if (state == RunState::Failed) {
            std::fprintf(stderr, "moe-workbench: %s\n", qPrintable(error));
            QApplication::exit(1);
            return;
        }
        heatmap_->refresh();
        balance_->refresh();
        errors_->refresh();
        // Draw everything now (queued replots included) before grabbing.
        QApplication::processEvents();
        const bool ok = grab().save(screenshotPath_);
        if (!ok)
            std::fprintf(stderr, "moe-workbench: cannot write %s\n", qPrintable(screenshotPath_));
        QApplication::exit(ok ? 0 : 1);
        return;
    }
    if (state == RunState::Failed) QMessageBox::critical(this, tr("Run failed"), error);
}

}  // namespace moe::gui
