// See experiment_panel.h. The workload box is editable: pick the bundled trace, browse for a
// trace file (trace:PATH), or type synthetic:KEY=VALUE,... directly.
#include "app/gui/experiment_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "core/predict/predictor_factory.h"

namespace moe::gui {

namespace {
QStringList toList(const std::vector<std::string>& v) {
    QStringList out;
    for (const auto& s : v) out << QString::fromStdString(s);
    return out;
}

QSpinBox* spin(QWidget* parent, int lo, int hi, int value) {
    auto* box = new QSpinBox(parent);
    box->setRange(lo, hi);
    box->setValue(value);
    return box;
}
}  // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent) : QWidget(parent) {
    const ExperimentConfig d = defaultGuiConfig();
    base_ = d;
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    buildWorkloadRows(form, d);
    buildModelRows(form, d);
    buildPredictionRows(form, d);
    buildRebalanceRows(form, d);
    buildRecordingRows(form, d);
    layout->addLayout(form);

    start_ = new QPushButton(tr("Start (Ctrl+R)"), this);
    pause_ = new QPushButton(tr("Pause (Space)"), this);
    stop_ = new QPushButton(tr("Stop (Esc)"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(pause_);
    buttons->addWidget(stop_);
    layout->addLayout(buttons);
    layout->addStretch(1);
    setRunning(false, false);
    connect(start_, &QPushButton::clicked, this, &ExperimentPanel::startRequested);
    connect(pause_, &QPushButton::clicked, this, &ExperimentPanel::pauseRequested);
    connect(stop_, &QPushButton::clicked, this, &ExperimentPanel::stopRequested);
}

void ExperimentPanel::buildWorkloadRows(QFormLayout* form, const ExperimentConfig& d) {
    workload_ = new QComboBox(this);
    workload_->setEditable(true);
    workload_->addItems({"trace:gpt-oss-20b",
                         "synthetic:layers=24,experts=32,top_k=4,tokens=512,skew=3,drift=0.01",
                         "train:sections=tutorial>c-api@500",
                         "train:blocks=4,width=128,experts=16,top_k=2,aux=switch:0.01"});
    workload_->setToolTip(
        tr("trace:gpt-oss-20b (bundled), trace:PATH (a .tsv.gz trace), a recording of another "
           "stack as a file or folder (SGLang .pt dumps, Megatron .jsonl, .npy; File > Open "
           "recording, or drop it on the window), "
           "synthetic:KEY=VALUE,... (layers, experts, top_k, tokens, steps, skew, drift, ...) "
           "or train:KEY=VALUE,... (a small MoE language model trained live on the bundled "
           "Python docs: blocks, width, experts, top_k, sections=A>B@STEP for a domain "
           "shift, aux=none|switch:COEF|bias:RATE, ...)"));
    auto* browse = new QToolButton(this);
    browse->setText("...");
    browse->setToolTip(tr("Choose a trace file"));
    auto* row = new QHBoxLayout;
    row->addWidget(workload_, 1);
    row->addWidget(browse);
    form->addRow(tr("Workload"), row);
    connect(browse, &QToolButton::clicked, this, &ExperimentPanel::browseTrace);
    batching_ = new QComboBox(this);
    batching_->addItems({"continuous", "tokens", "sequence", "recorded"});
    form->addRow(tr("Batching"), batching_);
    batchSize_ = spin(this, 1, 1 << 20, d.workload.batch);
    batchSize_->setToolTip(tr("Sequences in flight (continuous) or tokens per step (tokens)"));
    form->addRow(tr("Batch size"), batchSize_);
}

void ExperimentPanel::buildModelRows(QFormLayout* form, const ExperimentConfig& d) {
    ranks_ = spin(this, 1, 64, d.model.ranks);
    form->addRow(tr("Ranks"), ranks_);
    backend_ = new QComboBox(this);
    backend_->addItems({"cpu", "cuda"});
    backend_->setToolTip(
        tr("Where the ranks run their ops. cuda: each rank on a GPU (rank mod devices); without "
           "a CUDA build, device or driver the run says why and goes on on the CPU."));
    form->addRow(tr("Backend"), backend_);
    replayOnly_ = new QCheckBox(tr("Replay only (no expert FFNs)"), this);
    replayOnly_->setToolTip(
        tr("Loads, predictions and plans from the routing alone: no layer runs, rank rows follow "
           "the placement and no time is measured. For questions where only routing matters"));
    form->addRow(QString(), replayOnly_);
    hidden_ = spin(this, 8, 16384, d.model.hidden);
    form->addRow(tr("Hidden"), hidden_);
    ffn_ = spin(this, 8, 65536, d.model.ffn);
    form->addRow(tr("FFN"), ffn_);
    seed_ = spin(this, 0, 1 << 30, static_cast<int>(d.seed));
    form->addRow(tr("Seed"), seed_);
    steps_ = spin(this, 0, 1 << 30, static_cast<int>(d.workload.steps));
    steps_->setSpecialValueText(tr("all"));
    form->addRow(tr("Steps"), steps_);
}

void ExperimentPanel::buildPredictionRows(QFormLayout* form, const ExperimentConfig& d) {
    predictors_ = new QPlainTextEdit(this);
    predictors_->setPlainText(toList(d.prediction.predictors).join('\n'));
    predictors_->setToolTip(
        tr("Predictors to compare, one spec per line (empty: no prediction): load predictors "
           "forecast the steps ahead; token-to-expert ones (t2e_...) guess each token's experts "
           "before routing and are scored at horizon 1.\n\n") +
        QString::fromStdString(predictorHelp()));
    predictors_->setFixedHeight(predictors_->fontMetrics().lineSpacing() * 4 + 12);
    predictors_->setLineWrapMode(QPlainTextEdit::NoWrap);
    form->addRow(tr("Predictors"), predictors_);
    horizons_ = new QLineEdit(QString::fromStdString(formatHorizons(d.prediction.horizons)), this);
    horizons_->setToolTip(
        tr("Forecast horizons in steps, comma-separated; each is scored on its own (errors "
           "average over the H steps ahead) and the error view switches between them"));
    form->addRow(tr("Horizons"), horizons_);
    phaseSmooth_ = spin(this, 0, 100000, d.prediction.phase.smooth);
    phaseSmooth_->setSpecialValueText(tr("auto"));
    phaseSmooth_->setSuffix(tr(" steps"));
    phaseSmooth_->setToolTip(
        tr("Transient/stable shading: the detector's window statistics over the mean share of "
           "the last S steps. auto = 64 for train: workloads (small steps are noisy), 1 "
           "otherwise"));
    form->addRow(tr("Phase smoothing"), phaseSmooth_);
}

void ExperimentPanel::buildRecordingRows(QFormLayout* form, const ExperimentConfig& d) {
    record_ = new QCheckBox(tr("Record to the experiment store"), this);
    record_->setChecked(d.recording.record);
    record_->setToolTip(
        tr("Save loads, rank times, prediction errors and decisions of this run "
           "to the database shown in the Experiments browser"));
    form->addRow(QString(), record_);
    runName_ = new QLineEdit(this);
    runName_->setPlaceholderText(tr("gui: workload (automatic)"));
    form->addRow(tr("Run name"), runName_);
}

void ExperimentPanel::buildRebalanceRows(QFormLayout* form, const ExperimentConfig& d) {
    policy_ = new QComboBox(this);
    policy_->setEditable(true);
    policy_->addItems({"none", "contiguous", "round_robin", "gps", "eplb", "fastermoe", "harmoeny",
                       "moetuner", "moetuner:mode=balance"});
    policy_->setToolTip(
        tr("Rebalance policy spec; none = keep the contiguous placement. moetuner solves two "
           "ILPs with CBC (balance, then rank mapping from the layer-to-layer routing of the "
           "steps since the last rebalance): seconds per rebalance on 4-8 ranks, up to its "
           "time_limit per layer on more"));
    form->addRow(tr("Policy"), policy_);
    rebalancePredictor_ = new QComboBox(this);
    rebalancePredictor_->setEditable(true);
    rebalancePredictor_->addItems({"", "sw_avg", "ema", "last", "arima", "dist_only"});
    rebalancePredictor_->lineEdit()->setPlaceholderText(tr("first compared load predictor"));
    rebalancePredictor_->setToolTip(
        tr("The load predictor whose forecast the policy plans for: a compared predictor's "
           "name or spec, or any spec. Empty: the first compared load predictor (sw_avg when "
           "none is compared)"));
    form->addRow(tr("Plan from"), rebalancePredictor_);
    slots_ = spin(this, 0, 4096, d.rebalance.extraSlots);
    slots_->setPrefix(tr("experts + "));
    slots_->setToolTip(tr("Expert slots per layer over all ranks, beyond one per expert"));
    form->addRow(tr("Slots"), slots_);
    every_ = spin(this, 1, 1 << 30, static_cast<int>(d.rebalance.every));
    every_->setSuffix(tr(" steps"));
    every_->setToolTip(tr("Steps between rebalance checks; a change applies to a live run too"));
    form->addRow(tr("Rebalance every"), every_);
    connect(every_, &QSpinBox::valueChanged, this, [this](int v) {
        if (live_) emit parameterChanged("rebalance.every", QString::number(v));
    });
    policy_->setCurrentText(QString::fromStdString(d.rebalance.policy));
}

void ExperimentPanel::browseTrace() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open routing trace"), QString(),
                                                      tr("Traces (*.tsv *.tsv.gz);;All files (*)"));
    if (!path.isEmpty()) workload_->setEditText("trace:" + path);
}

ExperimentConfig ExperimentPanel::config() const {
    ExperimentConfig c = base_;
    c.frontEnd = "gui";
    c.workload.spec = workload_->currentText().trimmed().toStdString();
    c.workload.batching = batching_->currentText().toStdString();
    (c.workload.batching == "tokens" ? c.workload.tokensPerStep : c.workload.batch) =
        batchSize_->value();
    c.workload.steps = steps_->value();
    c.seed = static_cast<uint64_t>(seed_->value());
    c.model.ranks = ranks_->value();
    c.model.backend = backend_->currentText().toStdString();
    c.model.replayOnly = replayOnly_->isChecked();
    c.model.hidden = hidden_->value();
    c.model.ffn = ffn_->value();
    c.prediction.predictors.clear();
    for (const QString& line : predictors_->toPlainText().split('\n', Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty())
            c.prediction.predictors.push_back(line.trimmed().toStdString());
    try {
        c.prediction.horizons = parseHorizons(horizons_->text().toStdString());
    } catch (const std::exception&) {
        // Checked by validate() before a run starts; keep the last good ones meanwhile.
    }
    c.prediction.phase.smooth = phaseSmooth_->value();
    c.rebalance.policy = policy_->currentText().trimmed().toStdString();
    c.rebalance.predictor = rebalancePredictor_->currentText().trimmed().toStdString();
    // A config that counts slots in all (a CLI run's --slots) keeps its count until the
    // spin box, which counts slots beyond one per expert, is changed.
    const bool keepCount = base_.rebalance.slotCount > 0 && slots_->value() == 0;
    c.rebalance.slotCount = keepCount ? base_.rebalance.slotCount : 0;
    c.rebalance.extraSlots = keepCount ? 0 : slots_->value();
    c.rebalance.every = every_->value();
    c.recording.record = record_->isChecked();
    c.recording.name = runName_->text().trimmed().toStdString();
    if (std::find(c.recording.tags.begin(), c.recording.tags.end(), "gui") ==
        c.recording.tags.end())
        c.recording.tags.push_back("gui");
    return c;
}

void ExperimentPanel::setConfig(const ExperimentConfig& c) {
    base_ = c;
    workload_->setEditText(QString::fromStdString(c.workload.spec));
    batching_->setCurrentText(QString::fromStdString(c.workload.batching));
    batchSize_->setValue(c.workload.batching == "tokens" ? c.workload.tokensPerStep
                                                         : c.workload.batch);
    steps_->setValue(static_cast<int>(c.workload.steps));
    seed_->setValue(static_cast<int>(c.seed));
    ranks_->setValue(c.model.ranks);
    backend_->setCurrentText(QString::fromStdString(c.model.backend));
    replayOnly_->setChecked(c.model.replayOnly);
    hidden_->setValue(c.model.hidden);
    ffn_->setValue(c.model.ffn);
    predictors_->setPlainText(toList(c.prediction.predictors).join('\n'));
    horizons_->setText(QString::fromStdString(formatHorizons(c.prediction.horizons)));
    phaseSmooth_->setValue(c.prediction.phase.smooth);
    policy_->setCurrentText(QString::fromStdString(c.rebalance.policy));
    rebalancePredictor_->setCurrentText(QString::fromStdString(c.rebalance.predictor));
    slots_->setValue(c.rebalance.extraSlots);
    every_->setValue(static_cast<int>(c.rebalance.every));
    record_->setChecked(c.recording.record);
    runName_->setText(QString::fromStdString(c.recording.name));
}

void ExperimentPanel::load(QSettings& s) {
    ExperimentConfig c = defaultGuiConfig();
    s.beginGroup("experiment");
    const QString json = s.value("config").toString();
    if (!json.isEmpty()) {
        try {
            c = parseExperimentConfig(json.toStdString(), "saved settings");
        } catch (const std::exception&) {
            c = defaultGuiConfig();  // a hand-edited or older settings file: start afresh
        }
    }
    c.recording.record = s.value("record", c.recording.record).toBool();
    s.endGroup();
    setConfig(c);
}

void ExperimentPanel::save(QSettings& s) const {
    const ExperimentConfig c = config();
    s.beginGroup("experiment");
    s.setValue("config", QString::fromStdString(experimentConfigJson(c)));
    s.setValue("record", c.recording.record);
    s.endGroup();
}

QString ExperimentPanel::validate() const {
    try {
        parseHorizons(horizons_->text().toStdString());
    } catch (const std::exception& e) {
        return QString::fromStdString(e.what());
    }
    if (workload_->currentText().trimmed().isEmpty())
        return tr("workload: choose the bundled trace, a trace file or a synthetic spec");
    // Every other check is core's, the same the CLI makes: one line per bad field.
    const std::vector<std::string> problems = validateExperimentConfig(config());
    QStringList lines;
    for (const std::string& p : problems) lines << QString::fromStdString(p);
    return lines.join('\n');
}

void ExperimentPanel::setRunning(bool live, bool paused) {
    live_ = live;
    start_->setEnabled(!live);
    pause_->setEnabled(live);
    pause_->setText(paused ? tr("Resume (Space)") : tr("Pause (Space)"));
    stop_->setEnabled(live);
}

}  // namespace moe::gui
