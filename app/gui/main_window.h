// The workbench's main window and controller. It owns the engine runner and every view (as
// dock widgets the user arranges; the layout is remembered), the experiment browser, the
// replay bar that scrubs a stored run, the comparison table and the strategy map, and the
// menus (run control, export of views and records, layout). A ~30 Hz timer drains telemetry,
// coalesces it into the views and updates the status bar; the engine never touches Qt.
// Live work is in main_window_live.cpp, stored runs in main_window_replay.cpp.
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/engine_runner.h"
#include "app/gui/gui_worker.h"
#include "app/gui/recording_job.h"
#include "app/gui/ui_bench.h"
#include "app/gui/whatif_dialog.h"
#include "app/gui/whatif_job.h"
#include "core/balance/perf_model.h"
#include "core/engine/telemetry.h"

class QAction;
class QDockWidget;
class QLabel;
class QSlider;
class QToolBar;

namespace moe::widgets {
class ComparisonTable;
class LoadHeatmapView;
class PlacementView;
class PredictionErrorView;
class RankBalanceView;
class StrategyMapView;
struct PredictorRow;
struct PolicyRow;
}  // namespace moe::widgets

namespace moe::gui {

class ExperimentBrowser;
class ExperimentPanel;
class RunReplay;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `persist`: load and save the configuration and layout with QSettings.
    explicit MainWindow(bool persist, QWidget* parent = nullptr);
    ~MainWindow() override;

    ExperimentPanel* panel() const { return panel_; }
    ExperimentBrowser* browser() const { return browser_; }
    widgets::LoadHeatmapView* heatmapView() const { return heatmap_; }
    widgets::RankBalanceView* balanceView() const { return balance_; }
    widgets::PredictionErrorView* errorView() const { return errors_; }
    widgets::PlacementView* placementView() const { return placement_; }
    widgets::ComparisonTable* comparisonTable() const { return comparison_; }
    widgets::StrategyMapView* strategyMap() const { return strategy_; }
    widgets::WhatIfView* whatIfView() const { return whatIf_; }
    const WhatIfJob& whatIfJob() const { return *whatIfJob_; }
    const EngineRunner& runner() const { return runner_; }
    int64_t stepsSeen() const { return steps_; }
    QString statusText() const;  // the status bar's main line
    // Whether a run's telemetry is still being drained (false once its end was handled).
    bool runInProgress() const { return timer_.isActive(); }
    // The stored run being scrubbed (0 = live view).
    int64_t replayRunId() const;

    // After the run ends: save the window to `path` and quit (exit code 0, 1 on failure).
    void setScreenshotOnFinish(const QString& path) { screenshotPath_ = path; }
    // With a screenshot: also save every view on its own into `dir` (docs/screenshots).
    void setViewShotsDir(const QString& dir) { viewShotsDir_ = dir; }
    // Bench mode: time every frame; when the run ends print the percentiles (and write them
    // to `reportPath` when not empty) and quit.
    void enableUiBench(const QString& reportPath);
    // Steps the scrolling views keep (heatmap, balance and error curves).
    void setWindowWidths(int steps);
    // Shows errors through `handler` instead of message boxes (tests, scripted runs).
    void setMessageHandler(std::function<void(const QString&, const QString&)> handler) {
        messageHandler_ = std::move(handler);
    }
    // The views that can be exported, with their titles (menus, tests, screenshots).
    std::vector<std::pair<QString, QWidget*>> exportableViews() const;

public slots:
    void startRun();
    void togglePause();
    void stopRun();
    // Reopens a stored run of the browser's database for scrubbing. False (with a message)
    // when it cannot be read.
    bool openStoredRun(int64_t runId);
    // Puts a stored run's configuration (of the browser's database) in the panel and runs it
    // again, recorded as a new run. False (with a message) when it has no re-runnable config.
    bool rerunStoredRun(int64_t runId);
    void closeReplay();
    // Moves the replay to `step` (the last recorded step at or before it).
    void scrubTo(int64_t step);
    // Dashed curves of the runs' errors and balancedness over the live (or replayed) ones.
    bool overlayRuns(const std::vector<int64_t>& runIds);
    void clearOverlays();
    // Adds the runs' predictor and policy summaries to the comparison table.
    bool compareRuns(const std::vector<int64_t>& runIds);
    // The what-if matrix of the panel's experiment for `choice` (none: whatIfDefaults()), on a
    // worker thread with a progress dialog; the result is shown and, when the panel records,
    // stored; with a screenshot path set, saved and the app quits. False when it cannot start
    // (a run or another matrix is going); bad names arrive later as a message.
    bool runWhatIfMatrix();
    bool runWhatIfMatrix(const WhatIfChoice& choice);
    // Run > What-if matrix: the dialog, prefilled with whatIfDefaults(), then the matrix.
    void chooseWhatIfMatrix();
    // The panel's predictors; its policy beside EPLB, GPS and FasterMoE; every 1 and 50 steps.
    WhatIfChoice whatIfDefaults() const;
    // Shows a matrix (a fresh one, or one the store kept) in the What-if view and raises it.
    void showWhatIf(const WhatIfResult& result);
    // Saves the window (and, with setViewShotsDir, each view) to the screenshot path now and
    // quits with 0 or 1: for scripted shots of a stored run (--open-run).
    void screenshotAndQuit();
    // Makes a recording of another stack (a file or a folder of per-rank files; SGLang,
    // Megatron, .npy) or a native trace the panel's workload, after reading it once; the
    // status bar says what it holds. False, with a message naming the file, when it cannot be
    // read (the panel keeps its workload). Also File > Open recording and drag and drop.
    bool openRecording(const QString& path);
    // The same, read on a worker thread while the window goes on drawing (the status bar says
    // what is being read, the cursor shows work going on): the menu and drag and drop. False
    // when another recording is still being read.
    bool openRecordingInBackground(const QString& path);
    bool readingRecording() const { return recordingReader_ && recordingReader_->running(); }
    void openRecordingInteractive();

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    QDockWidget* addView(const QString& title, const QString& objectName, QWidget* view,
                         Qt::DockWidgetArea area);
    // The views and their docks, in the default layout.
    void buildViews();
    // The panel's and the browser's requests, wired to the window's actions.
    void connectPanelAndBrowser();
    // --bench-ui and --screenshot runs: report, save the pictures and exit with a code that
    // says whether anything went wrong.
    void finishScriptedRun(RunState state, const QString& error);
    void buildMenus();
    void buildFileMenu();
    void buildReplayBar();
    void exportViewInteractive(QWidget* view, const QString& title);
    void exportRecordsInteractive(const QString& what, const QString& format);
    void showMessage(const QString& title, const QString& text);
    void resetLayout();
    // The performance model's winner over skew x bandwidth for `model` on `ranks` GPUs and
    // `tokens` tokens a step; `setting` names it in the title.
    // `strategies` (empty: the assumed defaults) replace the model's strategies.
    void computeStrategyMap(const MoeDims& model, int ranks, int64_t tokens, const QString& setting,
                            const std::vector<Strategy>& strategies = {});
    // The map on the figures a stored predict/run/what-if run measured, same shape as now;
    // false (and nothing changed) when the run measured none.
    bool strategyMapFromRun(int64_t runId);
    // The strategy map for a live run's shape, from its first step.
    void strategyMapForRun(const StepTelemetry& first);

    // Live (main_window_live.cpp)
    void poll();
    void consume(const Frame& f);
    void refreshViews();
    void updateStatus();
    void updateComparison();
    void runEnded();
    bool saveViewShots();
    bool saveScreenshots();

    // Recordings (main_window_recording.cpp): a checked recording becomes the workload.
    bool useRecording(const RecordingCheck& check);
    void recordingRead(const RecordingCheck& check);

    // What-if (main_window_whatif.cpp)
    void connectWhatIf();
    WhatIfSpec whatIfSpec(const WhatIfChoice& choice) const;
    void whatIfFinished(const WhatIfResult& result, const WhatIfSpec& spec);
    void recordWhatIf(const WhatIfResult& result, const WhatIfSpec& spec);
    bool showStoredWhatIf(int64_t runId);

    // Replay (main_window_replay.cpp)
    void showReplayWindow(int64_t step);

    bool persist_;
    EngineRunner runner_;
    ExperimentPanel* panel_;
    ExperimentBrowser* browser_;
    widgets::LoadHeatmapView* heatmap_;
    widgets::RankBalanceView* balance_;
    widgets::PredictionErrorView* errors_;
    widgets::PlacementView* placement_;
    widgets::ComparisonTable* comparison_;
    widgets::StrategyMapView* strategy_;
    struct MapShape {
        MoeDims model;
        int ranks = 4;
        int64_t tokens = 512;
        QString setting;
    } mapShape_;  // what the strategy map shows now
    widgets::WhatIfView* whatIf_;
    QDockWidget* whatIfDock_ = nullptr;
    WhatIfJob* whatIfJob_ = nullptr;
    GuiWorker* recordingReader_ = nullptr;  // one recording read at a time
    QAction* openRecordingAction_ = nullptr;
    QString statusBeforeReading_;  // the status bar's line, back when a read fails
    bool startWhenRead_ = false;   // Start was pressed while a recording was being read
    // The recording last opened, read: held so that its runs share it rather than read it again.
    std::shared_ptr<const ImportedRouting> openedRecording_;
    QTimer whatIfPoll_;  // progress of a running matrix
    class QProgressDialog* whatIfProgress_ = nullptr;
    std::vector<QDockWidget*> docks_;
    QByteArray defaultState_;
    bool predictorsKnown_ = false, placementKnown_ = false;
    bool strategyKnown_ = false;  // the strategy map follows this run's shape
    std::string runWorkload_;     // the live run's workload spec
    std::vector<int> horizons_{1};
    QLabel* stepsLabel_;
    QLabel* rateLabel_;
    QLabel* stateLabel_;
    QAction* startAction_ = nullptr;
    QAction* pauseAction_ = nullptr;
    QAction* stopAction_ = nullptr;
    QTimer timer_;
    QElapsedTimer clock_;
    std::vector<Frame> frames_;
    int64_t steps_ = 0, tokens_ = 0, dropped_ = 0;
    int64_t rateSteps_ = 0, rateTokens_ = 0;  // counted since rateStart_
    qint64 rateStart_ = 0, runStart_ = 0, lastComparison_ = 0;
    double stepsPerSecond_ = 0, tokensPerSecond_ = 0;
    QString screenshotPath_, viewShotsDir_;
    std::function<void(const QString&, const QString&)> messageHandler_;

    // Comparison rows of stored runs (live rows are added on each update).
    std::vector<widgets::PredictorRow> storedPredictorRows_;
    std::vector<widgets::PolicyRow> storedPolicyRows_;
    // Step-mean errors of the live run per (horizon index, predictor), for p50/p95.
    std::vector<std::vector<std::vector<double>>> liveErrors_;

    // Replay
    std::unique_ptr<RunReplay> replay_;
    QToolBar* replayBar_ = nullptr;
    QLabel* replayLabel_ = nullptr;
    QSlider* replaySlider_ = nullptr;
    QLabel* replayStepLabel_ = nullptr;
    QTimer scrubTimer_;  // coalesces slider moves into one store read

    // Bench mode
    std::unique_ptr<UiBench> bench_;
    int scriptedErrors_ = 0;  // errors printed instead of shown, in a scripted run
};

}  // namespace moe::gui
