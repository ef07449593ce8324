// See main_window.h. Construction: the views as docks, the menus and shortcuts, the replay
// bar, the strategy map (computed once from the performance model) and the remembered layout.
// Every error a user can cause ends in showMessage(): a message box, never a dead window.
#include "app/gui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QStatusBar>
#include <QToolBar>
#include <cmath>
#include <map>

#include "app/gui/experiment_browser.h"
#include "app/gui/experiment_panel.h"
#include "app/gui/run_replay.h"
#include "core/balance/perf_sweep.h"
#include "core/store/store_paths.h"
#include "widgets/comparison_table.h"
#include "widgets/export_util.h"
#include "widgets/load_heatmap_view.h"
#include "widgets/placement_view.h"
#include "widgets/prediction_error_view.h"
#include "widgets/rank_balance_view.h"
#include "widgets/strategy_map_view.h"

namespace moe::gui {

MainWindow::MainWindow(bool persist, QWidget* parent) : QMainWindow(parent), persist_(persist) {
    setWindowTitle(tr("MoE Workbench"));
    resize(1440, 900);
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);
    setAcceptDrops(true);  // a recording dropped on the window becomes the workload
    buildViews();

    stateLabel_ = new QLabel(tr("idle: Ctrl+R runs the experiment on the left"), this);
    stepsLabel_ = new QLabel(this);
    rateLabel_ = new QLabel(this);
    statusBar()->addWidget(stateLabel_, 1);
    statusBar()->addPermanentWidget(stepsLabel_);
    statusBar()->addPermanentWidget(rateLabel_);

    buildMenus();
    buildReplayBar();
    updateStatus();
    // Until a run shows its own shape: the MoE-GPS figure's setting.
    computeStrategyMap(MoeDims::mixtral8x7b(), 4, 512, tr("Mixtral 8x7B, 4 GPUs, 512 tokens"));
    connectPanelAndBrowser();
    connectWhatIf();

    timer_.setInterval(33);  // ~30 Hz
    connect(&timer_, &QTimer::timeout, this, &MainWindow::poll);
    clock_.start();

    // The browser reports a missing database through the window's handler, not a box at
    // start-up: a first launch simply has no runs yet.
    browser_->setWarningHandler(
        [this](const QString& title, const QString& text) { showMessage(title, text); });
    // Opened from the event loop, not here: main() sets scripted mode (--screenshot,
    // --bench-ui) after construction, and a damaged database must then print its error instead
    // of waiting on a message box nobody will click.
    QTimer::singleShot(0, this, [this] {
        const std::string db = store::defaultDatabasePath();
        if (QFileInfo::exists(QString::fromStdString(db)))
            browser_->openDatabase(QString::fromStdString(db));
    });

    defaultState_ = saveState();
    if (persist_) {
        QSettings settings;
        panel_->load(settings);
        restoreGeometry(settings.value("window/geometry").toByteArray());
        restoreState(settings.value("window/state").toByteArray());
    }
}

void MainWindow::buildViews() {
    heatmap_ = new widgets::LoadHeatmapView(this);
    setCentralWidget(heatmap_);

    panel_ = new ExperimentPanel(this);
    panel_->setMaximumWidth(420);  // the form needs no more; the plots get the room
    QDockWidget* panelDock =
        addView(tr("Experiment"), "experimentDock", panel_, Qt::LeftDockWidgetArea);
    browser_ = new ExperimentBrowser(this);
    QDockWidget* browserDock =
        addView(tr("Experiments"), "experimentsDock", browser_, Qt::LeftDockWidgetArea);
    tabifyDockWidget(panelDock, browserDock);
    panelDock->raise();

    balance_ = new widgets::RankBalanceView(this);
    QDockWidget* balanceDock =
        addView(tr("Rank balance"), "rankBalanceDock", balance_, Qt::RightDockWidgetArea);
    errors_ = new widgets::PredictionErrorView(this);
    QDockWidget* errorsDock =
        addView(tr("Prediction error"), "predictionErrorDock", errors_, Qt::RightDockWidgetArea);

    placement_ = new widgets::PlacementView(this);
    QDockWidget* placementDock =
        addView(tr("Placement"), "placementDock", placement_, Qt::BottomDockWidgetArea);
    comparison_ = new widgets::ComparisonTable(this);
    QDockWidget* comparisonDock =
        addView(tr("Comparison"), "comparisonDock", comparison_, Qt::BottomDockWidgetArea);
    strategy_ = new widgets::StrategyMapView(this);
    QDockWidget* strategyDock =
        addView(tr("Strategy map"), "strategyMapDock", strategy_, Qt::BottomDockWidgetArea);
    whatIf_ = new widgets::WhatIfView(this);
    whatIfDock_ = addView(tr("What-if"), "whatIfDock", whatIf_, Qt::BottomDockWidgetArea);
    tabifyDockWidget(placementDock, comparisonDock);
    tabifyDockWidget(placementDock, strategyDock);
    tabifyDockWidget(placementDock, whatIfDock_);
    placementDock->raise();
    resizeDocks({panelDock, balanceDock}, {340, 440}, Qt::Horizontal);
    resizeDocks({balanceDock, errorsDock}, {330, 330}, Qt::Vertical);
    resizeDocks({placementDock}, {220}, Qt::Vertical);
}

void MainWindow::connectPanelAndBrowser() {
    connect(panel_, &ExperimentPanel::startRequested, this, &MainWindow::startRun);
    connect(panel_, &ExperimentPanel::pauseRequested, this, &MainWindow::togglePause);
    connect(panel_, &ExperimentPanel::stopRequested, this, &MainWindow::stopRun);
    connect(panel_, &ExperimentPanel::parameterChanged, this,
            [this](const QString& name, const QString& value) {
                runner_.set(name.toStdString(), value.toStdString());
            });
    connect(browser_, &ExperimentBrowser::runOpened, this,
            [this](int64_t id) { openStoredRun(id); });
    connect(browser_, &ExperimentBrowser::rerunRequested, this,
            [this](int64_t id) { rerunStoredRun(id); });
    connect(browser_, &ExperimentBrowser::overlayRequested, this,
            [this](std::vector<int64_t> ids) { overlayRuns(ids); });
    connect(browser_, &ExperimentBrowser::compareRequested, this,
            [this](std::vector<int64_t> ids) { compareRuns(ids); });
}

MainWindow::~MainWindow() {
    runner_.stop();
    // A read still going ends before the window does (its job joins it); the busy cursor it
    // set would otherwise outlive the window.
    if (readingRecording()) QApplication::restoreOverrideCursor();
}

QDockWidget* MainWindow::addView(const QString& title, const QString& objectName, QWidget* view,
                                 Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(objectName);
    dock->setWidget(view);
    addDockWidget(area, dock);
    docks_.push_back(dock);
    return dock;
}

void MainWindow::setWindowWidths(int steps) {
    heatmap_->setWindow(steps);
    balance_->setWindow(steps);
    errors_->setWindow(steps);
}

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

std::vector<std::pair<QString, QWidget*>> MainWindow::exportableViews() const {
    return {{tr("Load heatmap"), heatmap_},
            {tr("Rank balance"), balance_},
            {tr("Prediction error"), errors_},
            {tr("Placement"), placement_},
            {tr("Comparison table"), comparison_},
            {tr("Strategy map"), strategy_},
            {tr("What-if"), whatIf_}};
}

void MainWindow::buildFileMenu() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open experiment database..."), QKeySequence::Open, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open experiment database"), browser_->databasePath(),
            tr("Experiment databases (*.sqlite *.db);;All files (*)"));
        if (!path.isEmpty()) browser_->openDatabase(path);
    });
    openRecordingAction_ =
        file->addAction(tr("Open &recording..."), QKeySequence(tr("Ctrl+Shift+O")), this,
                        &MainWindow::openRecordingInteractive);
    QMenu* exportViews = file->addMenu(tr("&Export view"));
    for (const auto& [title, view] : exportableViews()) {
        QWidget* w = view;
        const QString t = title;
        exportViews->addAction(t + tr("..."), this, [this, w, t] { exportViewInteractive(w, t); });
    }
    QMenu* records = file->addMenu(tr("Export run &records"));
    for (const QString& what : {QStringLiteral("loads"), QStringLiteral("ranks"),
                                QStringLiteral("predictions"), QStringLiteral("decisions")})
        for (const QString& format : {QStringLiteral("csv"), QStringLiteral("json")})
            records->addAction(tr("%1 as %2...").arg(what, format.toUpper()), this,
                               [this, what, format] { exportRecordsInteractive(what, format); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
}

void MainWindow::buildMenus() {
    buildFileMenu();
    QMenu* run = menuBar()->addMenu(tr("&Run"));
    startAction_ =
        run->addAction(tr("&Start"), QKeySequence(tr("Ctrl+R")), this, &MainWindow::startRun);
    pauseAction_ = run->addAction(tr("&Pause / resume"), QKeySequence(Qt::Key_Space), this,
                                  &MainWindow::togglePause);
    stopAction_ =
        run->addAction(tr("S&top"), QKeySequence(Qt::Key_Escape), this, &MainWindow::stopRun);
    run->addSeparator();
    run->addAction(tr("&Close stored run (back to live)"), QKeySequence(tr("Ctrl+L")), this,
                   &MainWindow::closeReplay);
    run->addAction(tr("Clear &overlays"), this, &MainWindow::clearOverlays);
    run->addSeparator();
    run->addAction(tr("&What-if matrix..."), QKeySequence(tr("Ctrl+W")), this,
                   &MainWindow::chooseWhatIfMatrix);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* d : docks_) view->addAction(d->toggleViewAction());
    view->addSeparator();
    view->addAction(tr("&Reset layout"), this, &MainWindow::resetLayout);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard shortcuts"), this, [this] {
        QMessageBox::information(
            this, tr("Keyboard shortcuts"),
            tr("Ctrl+R  start the experiment\nSpace  pause / resume\nEsc  stop\n"
               "Ctrl+L  leave a stored run, back to live\nCtrl+W  what-if matrix of the "
               "experiment\nCtrl+O  open a database\nCtrl+Shift+O  open a recording (or drop "
               "one on the window)\n"
               "F5  refresh the experiment list\nCtrl+Q  quit\n\n"
               "Right-click any plot to export it (PNG, PDF, SVG)."));
    });
    help->addAction(tr("&About"), this, [this] {
        QMessageBox::about(this, tr("About MoE Workbench"),
                           tr("MoE Workbench %1\nExpert load, prediction and placement for "
                              "Mixture-of-Experts models.")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::buildReplayBar() {
    replayBar_ = new QToolBar(tr("Stored run"), this);
    replayBar_->setObjectName("replayBar");
    replayBar_->setMovable(false);
    replayLabel_ = new QLabel(this);
    replaySlider_ = new QSlider(Qt::Horizontal, this);
    replaySlider_->setMinimumWidth(400);
    replaySlider_->setToolTip(tr("Scrub through the stored run (arrow keys step, PgUp/PgDn jump)"));
    replayStepLabel_ = new QLabel(this);
    replayStepLabel_->setMinimumWidth(120);
    auto* live = new QPushButton(tr("Back to live (Ctrl+L)"), this);
    replayBar_->addWidget(replayLabel_);
    replayBar_->addWidget(replaySlider_);
    replayBar_->addWidget(replayStepLabel_);
    replayBar_->addWidget(live);
    addToolBar(Qt::TopToolBarArea, replayBar_);
    replayBar_->hide();
    scrubTimer_.setSingleShot(true);
    scrubTimer_.setInterval(40);
    connect(replaySlider_, &QSlider::valueChanged, this, [this] { scrubTimer_.start(); });
    connect(&scrubTimer_, &QTimer::timeout, this, [this] {
        if (replay_ && !replay_->steps().empty())
            scrubTo(replay_->steps()[static_cast<size_t>(replaySlider_->value())]);
    });
    connect(live, &QPushButton::clicked, this, &MainWindow::closeReplay);
}

void MainWindow::resetLayout() {
    for (QDockWidget* d : docks_) d->show();
    restoreState(defaultState_);
}

void MainWindow::showMessage(const QString& title, const QString& text) {
    if (messageHandler_) {
        messageHandler_(title, text);
        return;
    }
    if (!screenshotPath_.isEmpty() || bench_) {
        // Scripted runs must not wait on a box nobody will click. Notes (a CPU fallback) are
        // not errors; anything else makes the scripted run exit non-zero.
        std::fprintf(stderr, "moe-workbench: %s: %s\n", qPrintable(title), qPrintable(text));
        if (title != tr("Note")) ++scriptedErrors_;
        return;
    }
    QMessageBox::warning(this, title, text);
}

void MainWindow::exportViewInteractive(QWidget* view, const QString& title) {
    QString filter = tr("PNG image (*.png);;PDF document (*.pdf)");
    if (widgets::svgExportSupported()) filter += tr(";;SVG drawing (*.svg)");
    QString chosen;
    QString path =
        QFileDialog::getSaveFileName(this, tr("Export %1").arg(title),
                                     title.toLower().replace(' ', '-') + ".png", filter, &chosen);
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty())
        path += chosen.contains("pdf") ? ".pdf" : chosen.contains("svg") ? ".svg" : ".png";
    QString error;
    if (!widgets::exportWidget(view, path, &error))
        showMessage(tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
}

void MainWindow::exportRecordsInteractive(const QString& what, const QString& format) {
    int64_t id = replayRunId();
    if (!id) id = runner_.runId();
    if (!id && !browser_->selectedRunIds().empty()) id = browser_->selectedRunIds().front();
    if (!id) {
        showMessage(tr("Export run records"),
                    tr("No run to export: open or select a stored run, or record a live one."));
        return;
    }
    const QString db = replay_ || !runner_.runId() ? browser_->databasePath()
                                                   : QString::fromStdString(runner_.databasePath());
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export %1 of run %2").arg(what).arg(id),
                                     QStringLiteral("run-%1-%2.%3").arg(id).arg(what, format),
                                     format == "csv" ? tr("CSV (*.csv)") : tr("JSON (*.json)"));
    if (path.isEmpty()) return;
    QString error;
    const int64_t n = exportRunRecords(db, id, what, format, path, &error);
    if (n < 0)
        showMessage(tr("Export failed"), error);
    else
        statusBar()->showMessage(tr("Wrote %1 records to %2").arg(n).arg(path), 5000);
}

void MainWindow::strategyMapForRun(const StepTelemetry& first) {
    // The routing's shape comes from the run; the layer's size from the model the routing was
    // recorded from where that is known (the executed layer is a small stand-in), else the
    // executed one.
    MoeDims m;
    m.layers = first.layers;
    m.experts = first.loads.experts();
    int64_t pairs = 0;
    for (int e = 0; e < m.experts; ++e) pairs += first.loads.at(0, e);
    m.topK = first.tokens > 0 ? static_cast<int>(std::lround(static_cast<double>(pairs) /
                                                             static_cast<double>(first.tokens)))
                              : 1;
    m.topK = std::clamp(m.topK, 1, std::max(1, m.experts));
    QString name;
    if (runWorkload_.find("gpt-oss-20b") != std::string::npos) {
        const MoeDims model = MoeDims::gptOss20b();
        m.hidden = model.hidden;
        m.ffn = model.ffn;
        m.heads = model.heads;
        m.kvHeads = model.kvHeads;
        name = tr("GPT-OSS-20B");
    } else {
        const ExperimentConfig config = panel_->config();
        m.hidden = config.model.hidden;
        m.ffn = config.model.ffn;
        m.heads = std::max(1, config.model.hidden / 64);
        m.kvHeads = m.heads;
        name = tr("H=%1 F=%2").arg(config.model.hidden).arg(config.model.ffn);
    }
    m.layers = std::max(1, m.layers);
    computeStrategyMap(m, std::max(1, first.ranks), std::max<int64_t>(1, first.tokens),
                       tr("%1, %2 experts top-%3, %4 GPUs, %5 tokens: this run's shape")
                           .arg(name)
                           .arg(m.experts)
                           .arg(m.topK)
                           .arg(first.ranks)
                           .arg(first.tokens));
}

void MainWindow::computeStrategyMap(const MoeDims& model, int ranks, int64_t tokens,
                                    const QString& setting,
                                    const std::vector<Strategy>& strategies) {
    // Which strategy the performance model says wins at each skewness and link bandwidth.
    mapShape_ = {model, ranks, tokens, setting};
    SweepSpec spec = SweepSpec::moeGpsFigure();
    spec.strategies = strategies;
    spec.base.model = model;
    spec.base.ranks = ranks;
    spec.base.tokens = tokens;
    const double maxSkew = static_cast<double>(model.experts) / std::max(1, model.topK);
    // Skews a router can produce: at most E/k. Real routers run well past the paper's 2
    // (GPT-OSS-20B's steps: 3 to 4), so the grid goes on where the experts allow.
    for (double s : {3.0, 4.0, 6.0, 8.0})
        if (s <= maxSkew) spec.skews.push_back(s);
    std::erase_if(spec.skews, [&](double s) { return s > maxSkew; });
    if (spec.skews.empty()) spec.skews = {1.0};
    const std::vector<SweepRow> rows = sweep(spec);
    QStringList names;
    std::map<std::string, int> index;
    for (const SweepRow& r : rows)
        if (!index.count(r.strategy)) {
            index[r.strategy] = static_cast<int>(names.size());
            names << QString::fromStdString(r.strategy);
        }
    std::vector<widgets::StrategyCell> cells;
    for (double s : spec.skews)
        for (double b : spec.bandwidthsGBs) {
            double best = INFINITY, second = INFINITY;
            int winner = -1;
            for (const SweepRow& r : rows) {
                if (r.skew != s || r.bandwidthGBs != b) continue;
                if (r.winner) {
                    winner = index[r.strategy];
                    best = r.seconds;
                }
            }
            for (const SweepRow& r : rows)
                if (r.skew == s && r.bandwidthGBs == b && !r.winner)
                    second = std::min(second, r.seconds);
            const double margin = std::isfinite(second) && best > 0 ? (second / best - 1) * 100 : 0;
            cells.push_back({s, b, winner, margin});
        }
    strategy_->setMap(names, spec.skews, spec.bandwidthsGBs, cells,
                      tr("Fastest strategy by the performance model (%1)").arg(setting));
}

}  // namespace moe::gui
