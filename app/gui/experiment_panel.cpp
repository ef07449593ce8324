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
    const ExperimentConfig d;
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    workload_ = new QComboBox(this);
    workload_->setEditable(true);
    workload_->addItems({"trace:gpt-oss-20b",
                         "synthetic:layers=24,experts=32,top_k=4,tokens=512,skew=3,drift=0.01",
                         "train:sections=tutorial>c-api@500",
                         "train:blocks=4,width=128,experts=16,top_k=2,aux=switch:0.01"});
    workload_->setToolTip(
        tr("trace:gpt-oss-20b (bundled), trace:PATH (a .tsv.gz trace), "
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
    batching_ = new QComboBox(this);
    batching_->addItems({"continuous", "tokens", "sequence"});
    form->addRow(tr("Batching"), batching_);
    batchSize_ = spin(this, 1, 1 << 20, d.batchSize);
    batchSize_->setToolTip(tr("Sequences in flight (continuous) or tokens per step (tokens)"));
    form->addRow(tr("Batch size"), batchSize_);
    ranks_ = spin(this, 1, 64, d.ranks);
    form->addRow(tr("Ranks"), ranks_);
    backend_ = new QComboBox(this);
    backend_->addItems({"cpu", "cuda"});
    backend_->setToolTip(
        tr("Where the ranks run their ops. cuda: each rank on a GPU (rank mod devices); without "
           "a CUDA build, device or driver the run says why and goes on on the CPU."));
    form->addRow(tr("Backend"), backend_);
    hidden_ = spin(this, 8, 16384, d.hidden);
    form->addRow(tr("Hidden"), hidden_);
    ffn_ = spin(this, 8, 65536, d.ffn);
    form->addRow(tr("FFN"), ffn_);
    seed_ = spin(this, 0, 1 << 30, static_cast<int>(d.seed));
    form->addRow(tr("Seed"), seed_);
    steps_ = spin(this, 0, 1 << 30, static_cast<int>(d.steps));
    steps_->setSpecialValueText(tr("all"));
    form->addRow(tr("Steps"), steps_);
    predictors_ = new QPlainTextEdit(this);
    predictors_->setPlainText(toList(d.predictors).join('\n'));
    predictors_->setToolTip(tr("Load predictors, one spec per line (empty: no prediction).\n\n") +
                            QString::fromStdString(predictorHelp()));
    predictors_->setFixedHeight(predictors_->fontMetrics().lineSpacing() * 4 + 12);
    predictors_->setLineWrapMode(QPlainTextEdit::NoWrap);
    form->addRow(tr("Predictors"), predictors_);
    horizons_ = new QLineEdit(QString::fromStdString(formatHorizons(d.horizons)), this);
    horizons_->setToolTip(
        tr("Forecast horizons in steps, comma-separated; each is scored on its own (errors "
           "average over the H steps ahead) and the error view switches between them"));
    form->addRow(tr("Horizons"), horizons_);
    phaseSmooth_ = spin(this, 0, 100000, d.phaseSmooth);
    phaseSmooth_->setSpecialValueText(tr("auto"));
    phaseSmooth_->setSuffix(tr(" steps"));
    phaseSmooth_->setToolTip(
        tr("Transient/stable shading: the detector's window statistics over the mean share of "
           "the last S steps. auto = 64 for train: workloads (small steps are noisy), 1 "
           "otherwise"));
    form->addRow(tr("Phase smoothing"), phaseSmooth_);
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
    slots_ = spin(this, 0, 4096, d.extraSlots);
    slots_->setPrefix(tr("experts + "));
    slots_->setToolTip(tr("Expert slots per layer over all ranks, beyond one per expert"));
    form->addRow(tr("Slots"), slots_);
    every_ = spin(this, 1, 1 << 30, static_cast<int>(d.rebalanceEvery));
    every_->setSuffix(tr(" steps"));
    form->addRow(tr("Rebalance every"), every_);
    policy_->setCurrentText(QString::fromStdString(d.policy));
    record_ = new QCheckBox(tr("Record to the experiment store"), this);
    record_->setChecked(d.record);
    record_->setToolTip(
        tr("Save loads, rank times, prediction errors and decisions of this run "
           "to the database shown in the Experiments browser"));
    form->addRow(QString(), record_);
    runName_ = new QLineEdit(this);
    runName_->setPlaceholderText(tr("gui: workload (automatic)"));
    form->addRow(tr("Run name"), runName_);
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

    connect(browse, &QToolButton::clicked, this, &ExperimentPanel::browseTrace);
    connect(start_, &QPushButton::clicked, this, &ExperimentPanel::startRequested);
    connect(pause_, &QPushButton::clicked, this, &ExperimentPanel::pauseRequested);
    connect(stop_, &QPushButton::clicked, this, &ExperimentPanel::stopRequested);
}

void ExperimentPanel::browseTrace() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open routing trace"), QString(),
                                                      tr("Traces (*.tsv *.tsv.gz);;All files (*)"));
    if (!path.isEmpty()) workload_->setEditText("trace:" + path);
}

ExperimentConfig ExperimentPanel::config() const {
    ExperimentConfig c;
    c.workload = workload_->currentText().trimmed().toStdString();
    c.batching = batching_->currentText().toStdString();
    c.batchSize = batchSize_->value();
    c.ranks = ranks_->value();
    c.backend = backend_->currentText().toStdString();
    c.hidden = hidden_->value();
    c.ffn = ffn_->value();
    c.seed = static_cast<uint64_t>(seed_->value());
    c.steps = steps_->value();
    c.predictors.clear();
    for (const QString& line : predictors_->toPlainText().split('\n', Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty()) c.predictors.push_back(line.trimmed().toStdString());
    try {
        c.horizons = parseHorizons(horizons_->text().toStdString());
    } catch (const std::exception&) {
        // Checked by validate() before a run starts; keep the defaults meanwhile.
    }
    c.phaseSmooth = phaseSmooth_->value();
    c.record = record_->isChecked();
    c.runName = runName_->text().trimmed().toStdString();
    c.policy = policy_->currentText().trimmed().toStdString();
    c.extraSlots = slots_->value();
    c.rebalanceEvery = every_->value();
    return c;
}

void ExperimentPanel::setConfig(const ExperimentConfig& c) {
    workload_->setEditText(QString::fromStdString(c.workload));
    batching_->setCurrentText(QString::fromStdString(c.batching));
    batchSize_->setValue(c.batchSize);
    ranks_->setValue(c.ranks);
    backend_->setCurrentText(QString::fromStdString(c.backend));
    hidden_->setValue(c.hidden);
    ffn_->setValue(c.ffn);
    seed_->setValue(static_cast<int>(c.seed));
    steps_->setValue(static_cast<int>(c.steps));
    predictors_->setPlainText(toList(c.predictors).join('\n'));
    horizons_->setText(QString::fromStdString(formatHorizons(c.horizons)));
    phaseSmooth_->setValue(c.phaseSmooth);
    record_->setChecked(c.record);
    runName_->setText(QString::fromStdString(c.runName));
    policy_->setCurrentText(QString::fromStdString(c.policy));
    slots_->setValue(c.extraSlots);
    every_->setValue(static_cast<int>(c.rebalanceEvery));
}

void ExperimentPanel::load(QSettings& s) {
    const ExperimentConfig d;
    ExperimentConfig c;
    s.beginGroup("experiment");
    c.workload = s.value("workload", QString::fromStdString(d.workload)).toString().toStdString();
    c.batching = s.value("batching", QString::fromStdString(d.batching)).toString().toStdString();
    c.batchSize = s.value("batchSize", d.batchSize).toInt();
    c.ranks = s.value("ranks", d.ranks).toInt();
    c.backend = s.value("backend", QString::fromStdString(d.backend)).toString().toStdString();
    c.hidden = s.value("hidden", d.hidden).toInt();
    c.ffn = s.value("ffn", d.ffn).toInt();
    c.seed = s.value("seed", static_cast<qulonglong>(d.seed)).toULongLong();
    c.steps = s.value("steps", static_cast<qlonglong>(d.steps)).toLongLong();
    c.predictors.clear();
    for (const QString& p : s.value("predictors", toList(d.predictors)).toStringList())
        c.predictors.push_back(p.toStdString());
    try {
        c.horizons =
            parseHorizons(s.value("horizons", QString::fromStdString(formatHorizons(d.horizons)))
                              .toString()
                              .toStdString());
    } catch (const std::exception&) {
        c.horizons = d.horizons;  // a hand-edited settings file: fall back quietly
    }
    c.record = s.value("record", d.record).toBool();
    c.phaseSmooth = s.value("phaseSmooth", d.phaseSmooth).toInt();
    c.policy = s.value("policy", QString::fromStdString(d.policy)).toString().toStdString();
    c.extraSlots = s.value("extraSlots", d.extraSlots).toInt();
    c.rebalanceEvery =
        s.value("rebalanceEvery", static_cast<qlonglong>(d.rebalanceEvery)).toLongLong();
    s.endGroup();
    setConfig(c);
}

void ExperimentPanel::save(QSettings& s) const {
    const ExperimentConfig c = config();
    s.beginGroup("experiment");
    s.setValue("workload", QString::fromStdString(c.workload));
    s.setValue("batching", QString::fromStdString(c.batching));
    s.setValue("batchSize", c.batchSize);
    s.setValue("ranks", c.ranks);
    s.setValue("backend", QString::fromStdString(c.backend));
    s.setValue("hidden", c.hidden);
    s.setValue("ffn", c.ffn);
    s.setValue("seed", static_cast<qulonglong>(c.seed));
    s.setValue("steps", static_cast<qlonglong>(c.steps));
    s.setValue("predictors", toList(c.predictors));
    s.setValue("horizons", QString::fromStdString(formatHorizons(c.horizons)));
    s.setValue("record", c.record);
    s.setValue("phaseSmooth", c.phaseSmooth);
    s.setValue("policy", QString::fromStdString(c.policy));
    s.setValue("extraSlots", c.extraSlots);
    s.setValue("rebalanceEvery", static_cast<qlonglong>(c.rebalanceEvery));
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
    return {};
}

void ExperimentPanel::setRunning(bool live, bool paused) {
    start_->setEnabled(!live);
    pause_->setEnabled(live);
    pause_->setText(paused ? tr("Resume (Space)") : tr("Pause (Space)"));
    stop_->setEnabled(live);
}

}  // namespace moe::gui
