// File > Open recording and drag and drop: another stack's routing recording (SGLang, Megatron,
// .npy; core/imports) or a native trace becomes the panel's workload, after it was read once
// to check it (on a worker thread, recording_job.h), and the status bar says what it holds. A
// file the workbench cannot read is a message naming it; the panel keeps its workload.
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QStatusBar>

#include "app/gui/experiment_panel.h"
#include "app/gui/main_window.h"
#include "app/gui/recording_job.h"

namespace moe::gui {

QString MainWindow::statusText() const { return stateLabel_->text(); }

bool MainWindow::openRecording(const QString& path) { return useRecording(checkRecording(path)); }

bool MainWindow::useRecording(const RecordingCheck& c) {
    if (!c.error.isEmpty()) {
        showMessage(tr("Cannot open recording"), c.error);
        return false;
    }
    ExperimentConfig config = panel_->config();
    config.workload.spec = c.spec;
    if (c.recordedSteps)
        config.workload.batching = "recorded";
    else if (c.nativeTrace && config.workload.batching == "recorded")
        config.workload.batching = "continuous";  // this trace has no recorded steps
    panel_->setConfig(config);
    openedRecording_ = c.routing;  // null for a native trace, which is streamed, not held
    if (runner_.live()) {          // the live run keeps its line; this is the next run's workload
        statusBar()->showMessage(tr("Next run's workload %1").arg(c.summary), 10000);
        return true;
    }
    stateLabel_->setText(tr("workload %1").arg(c.summary));
    stateLabel_->setToolTip(c.details);
    return true;
}

bool MainWindow::openRecordingInBackground(const QString& path) {
    if (!recordingReader_) recordingReader_ = new GuiWorker(this);
    const QString name = QFileInfo(path).fileName();
    if (recordingReader_->running()) {
        statusBar()->showMessage(tr("Still reading a recording; open %1 when it is done").arg(name),
                                 5000);
        return false;
    }
    const QFileInfo info(path);
    const QString size =
        info.isFile() ? tr(", %1 MB").arg(info.size() / 1e6, 0, 'f', 1) : QString();
    const QString reading = tr("reading %1%2...").arg(name, size);
    statusBeforeReading_ = stateLabel_->text();
    if (runner_.live())  // the live run keeps its line
        statusBar()->showMessage(reading);
    else
        stateLabel_->setText(reading);
    QApplication::setOverrideCursor(Qt::BusyCursor);
    if (openRecordingAction_) openRecordingAction_->setEnabled(false);
    recordingReader_->start([this, path]() -> std::function<void()> {
        return [this, c = checkRecording(path)] { recordingRead(c); };
    });
    return true;
}

// A Start pressed meanwhile runs the recording once it is read, and not at all when it cannot
// be read (its message says why).
void MainWindow::recordingRead(const RecordingCheck& c) {
    QApplication::restoreOverrideCursor();
    if (openRecordingAction_) openRecordingAction_->setEnabled(true);
    statusBar()->clearMessage();
    const bool start = startWhenRead_;
    startWhenRead_ = false;
    if (!useRecording(c)) {
        if (!runner_.live()) stateLabel_->setText(statusBeforeReading_);
        return;
    }
    if (start) startRun();
}

void MainWindow::openRecordingInteractive() {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open recording"), QString(),
                                     tr("Routing recordings (*.pt *.npy *.safetensors *.jsonl "
                                        "*.csv *.tsv.gz *.tsv);;All files (*)"));
    if (!path.isEmpty()) openRecordingInBackground(path);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (!readingRecording() && !urls.isEmpty() && urls.front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile()) return;
    event->acceptProposedAction();
    openRecordingInBackground(urls.front().toLocalFile());
}

}  // namespace moe::gui
