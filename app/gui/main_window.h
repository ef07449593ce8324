// The workbench's main window and controller: experiment panel and views as docks, the engine
// runner, and the ~30 Hz timer that drains telemetry, coalesces it into the views and updates
// the status bar; prediction error and placement views as docks on the right and bottom. Optionally
// saves a screenshot and quits when the run ends (scripted checks).
#pragma once

#include <QElapsedTimer>
#include <QMainWindow>
#include <QString>
#include <QTimer>
#include <cstdint>
#include <vector>

#include "app/gui/engine_runner.h"
#include "core/engine/telemetry.h"

class QLabel;

namespace moe::widgets {
class LoadHeatmapView;
class PlacementView;
class PredictionErrorView;
class RankBalanceView;
}  // namespace moe::widgets

namespace moe::gui {

class ExperimentPanel;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `persist`: load and save the configuration and layout with QSettings.
    explicit MainWindow(bool persist, QWidget* parent = nullptr);
    ~MainWindow() override;

    ExperimentPanel* panel() const { return panel_; }
    // After the run ends: save the window to `path` and quit (exit code 0, 1 on failure).
    void setScreenshotOnFinish(const QString& path) { screenshotPath_ = path; }

public slots:
    void startRun();
    void togglePause();
    void stopRun();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void poll();
    void consume(const Frame& f);
    void updateStatus();
    void runEnded();

    bool persist_;
    EngineRunner runner_;
    ExperimentPanel* panel_;
    widgets::LoadHeatmapView* heatmap_;
    widgets::RankBalanceView* balance_;
    widgets::PredictionErrorView* errors_;
    widgets::PlacementView* placement_;
    bool predictorsKnown_ = false, placementKnown_ = false;
    int horizon_ = 1;
    QLabel* stepsLabel_;
    QLabel* rateLabel_;
    QLabel* stateLabel_;
    QTimer timer_;
    QElapsedTimer clock_;
    std::vector<Frame> frames_;
    int64_t steps_ = 0, tokens_ = 0, dropped_ = 0;
    int64_t rateSteps_ = 0, rateTokens_ = 0;  // counted since rateStart_
    qint64 rateStart_ = 0, runStart_ = 0;
    double stepsPerSecond_ = 0, tokensPerSecond_ = 0;
    QString screenshotPath_;
};

}  // namespace moe::gui
