// The experiment panel: edits core's ExperimentConfig (workload, batching, ranks, model size,
// seed, steps, predictors of every family, horizons, rebalance policy, predictor and schedule)
// and offers Start / Pause / Stop. It keeps the whole config it was given, so fields it has no
// widget for (a re-run CLI config's capacity factor, say) survive an edit. Loads and saves
// itself through QSettings as the config's JSON.
#pragma once

#include <QWidget>

#include "app/gui/experiment_config.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QSettings;

namespace moe::gui {

class ExperimentPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentPanel(QWidget* parent = nullptr);

    ExperimentConfig config() const;
    void setConfig(const ExperimentConfig& config);
    void load(QSettings& settings);
    void save(QSettings& settings) const;
    // Enables the buttons that make sense while a run is (or is not) live.
    void setRunning(bool live, bool paused);
    // Why the current form cannot run (empty when it can): shown before a run starts.
    QString validate() const;

signals:
    void startRequested();
    void pauseRequested();
    void stopRequested();
    // A change the running experiment takes between steps (the rebalance interval).
    void parameterChanged(const QString& name, const QString& value);

private:
    void browseTrace();
    // The form's rows, group by group, with `d`'s values.
    void buildWorkloadRows(QFormLayout* form, const ExperimentConfig& d);
    void buildModelRows(QFormLayout* form, const ExperimentConfig& d);
    void buildPredictionRows(QFormLayout* form, const ExperimentConfig& d);
    void buildRebalanceRows(QFormLayout* form, const ExperimentConfig& d);
    void buildRecordingRows(QFormLayout* form, const ExperimentConfig& d);

    ExperimentConfig base_;  // the config last set; widgets overlay it
    bool live_ = false;
    QComboBox* workload_;
    QComboBox* batching_;
    QSpinBox* batchSize_;
    QSpinBox* ranks_;
    QComboBox* backend_;
    QSpinBox* hidden_;
    QSpinBox* ffn_;
    QSpinBox* seed_;
    QSpinBox* steps_;
    QPlainTextEdit* predictors_;
    QLineEdit* horizons_;
    QSpinBox* phaseSmooth_;
    QCheckBox* record_;
    QLineEdit* runName_;
    QCheckBox* replayOnly_;
    QComboBox* policy_;
    QComboBox* rebalancePredictor_;
    QSpinBox* slots_;
    QSpinBox* every_;
    QPushButton* start_;
    QPushButton* pause_;
    QPushButton* stop_;
};

}  // namespace moe::gui
