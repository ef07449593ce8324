// File > Open recording and drag and drop: another stack's routing recording (SGLang, Megatron,
// .npy; core/imports) or a native trace becomes the panel's workload, after it was read once
// to check it, and the status bar says what it holds. A file the workbench cannot read is a
// message naming it; the panel keeps its workload.
// Core's headers come first, before Qt's `slots` macro exists (whatif_job.h says why).
#include "core/experiment/workload_source.h"
#include "core/imports/import_routing.h"
#include "core/imports/imported_workload.h"
#include "core/workload/trace_shape.h"
// (Qt after this line.)
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>

#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"

namespace moe::gui {

namespace {

bool isNativeTrace(const QString& path) {
    return path.endsWith(".tsv.gz") || path.endsWith(".tsv");
}

// What a workload holds, in one line for the status bar.
QString summaryOf(const Workload& w) {
    const WorkloadShape& s = w.shape();
    QStringList numbers;
    for (int n : s.modelLayers) numbers << QString::number(n);
    const QString modelLayers =
        numbers.isEmpty() ? QString() : QObject::tr(" (the model's %1)").arg(numbers.join(", "));
    return QObject::tr("%1: %2 layers%3 x %4 experts, top-%5")
        .arg(QString::fromStdString(w.describe()))
        .arg(s.layers)
        .arg(modelLayers)
        .arg(s.experts)
        .arg(s.topK);
}

}  // namespace

QString MainWindow::statusText() const { return stateLabel_->text(); }

bool MainWindow::openRecording(const QString& path) {
    const std::string spec = (isNativeTrace(path) ? "trace:" : "") + path.toStdString();
    QString summary;
    bool recordedSteps = false;  // a trace `import` wrote with the recording's steps
    try {
        if (isNativeTrace(path)) {
            WorkloadOptions o;
            o.spec = spec;
            summary = summaryOf(*openWorkload(o));
            recordedSteps = !resolveTraceShape(path.toStdString(), {}).stepTokens.empty();
            if (recordedSteps) summary += tr(", replayed in its recorded steps");
        } else {  // read once: its shape (top-k inferred for counts) and what it holds
            const ImportedRouting r = importRouting({path.toStdString()});
            summary = summaryOf(ImportedWorkload(r)) + tr(", %1 steps").arg(r.steps());
            if (r.perToken()) summary += tr(", %1 tokens").arg(r.tokens.size());
            stateLabel_->setToolTip(QString::fromStdString(describeImport(r)));
        }
    } catch (const std::exception& e) {
        showMessage(tr("Cannot open recording"), QString::fromUtf8(e.what()));
        return false;
    }
    ExperimentConfig c = panel_->config();
    c.workload.spec = spec;
    if (recordedSteps)
        c.workload.batching = "recorded";
    else if (isNativeTrace(path) && c.workload.batching == "recorded")
        c.workload.batching = "continuous";  // this trace has no recorded steps
    panel_->setConfig(c);
    stateLabel_->setText(tr("workload %1").arg(summary));
    return true;
}

void MainWindow::openRecordingInteractive() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open recording"), QString(),
                                     tr("Routing recordings (*.pt *.npy *.safetensors *.jsonl "
                                        "*.csv *.tsv.gz *.tsv);;All files (*)"));
    if (!path.isEmpty()) openRecording(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.front().isLocalFile()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    openRecording(urls.front().toLocalFile());
}

}  // namespace moe::gui
