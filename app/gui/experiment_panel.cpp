// See experiment_panel.h. The workload box is editable: pick the bundled trace, browse for a
// trace file (trace:PATH), or type synthetic:KEY=VALUE,... directly.
#include "app/gui/experiment_panel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace moe::gui {

namespace {
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
                         "synthetic:layers=24,experts=32,top_k=4,tokens=512,skew=3,drift=0.01"});
    workload_->setToolTip(
        tr("trace:gpt-oss-20b (bundled), trace:PATH (a .tsv.gz trace) or "
           "synthetic:KEY=VALUE,... (layers, experts, top_k, tokens, steps, skew, drift, ...)"));
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
    hidden_ = spin(this, 8, 16384, d.hidden);
    form->addRow(tr("Hidden"), hidden_);
    ffn_ = spin(this, 8, 65536, d.ffn);
    form->addRow(tr("FFN"), ffn_);
    seed_ = spin(this, 0, 1 << 30, static_cast<int>(d.seed));
    form->addRow(tr("Seed"), seed_);
    steps_ = spin(this, 0, 1 << 30, static_cast<int>(d.steps));
    steps_->setSpecialValueText(tr("all"));
    form->addRow(tr("Steps"), steps_);
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
    c.hidden = hidden_->value();
    c.ffn = ffn_->value();
    c.seed = static_cast<uint64_t>(seed_->value());
    c.steps = steps_->value();
    return c;
}

void ExperimentPanel::setConfig(const ExperimentConfig& c) {
    workload_->setEditText(QString::fromStdString(c.workload));
    batching_->setCurrentText(QString::fromStdString(c.batching));
    batchSize_->setValue(c.batchSize);
    ranks_->setValue(c.ranks);
    hidden_->setValue(c.hidden);
    ffn_->setValue(c.ffn);
    seed_->setValue(static_cast<int>(c.seed));
    steps_->setValue(static_cast<int>(c.steps));
}

void ExperimentPanel::load(QSettings& s) {
    const ExperimentConfig d;
    ExperimentConfig c;
    s.beginGroup("experiment");
    c.workload = s.value("workload", QString::fromStdString(d.workload)).toString().toStdString();
    c.batching = s.value("batching", QString::fromStdString(d.batching)).toString().toStdString();
    c.batchSize = s.value("batchSize", d.batchSize).toInt();
    c.ranks = s.value("ranks", d.ranks).toInt();
    c.hidden = s.value("hidden", d.hidden).toInt();
    c.ffn = s.value("ffn", d.ffn).toInt();
    c.seed = s.value("seed", static_cast<qulonglong>(d.seed)).toULongLong();
    c.steps = s.value("steps", static_cast<qlonglong>(d.steps)).toLongLong();
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
    s.setValue("hidden", c.hidden);
    s.setValue("ffn", c.ffn);
    s.setValue("seed", static_cast<qulonglong>(c.seed));
    s.setValue("steps", static_cast<qlonglong>(c.steps));
    s.endGroup();
}

void ExperimentPanel::setRunning(bool live, bool paused) {
    start_->setEnabled(!live);
    pause_->setEnabled(live);
    pause_->setText(paused ? tr("Resume (Space)") : tr("Pause (Space)"));
    stop_->setEnabled(live);
}

}  // namespace moe::gui
