// See recording_job.h. Core's headers come first, before Qt's `slots` macro exists.
#include "core/experiment/workload_source.h"
#include "core/imports/import_routing.h"
#include "core/imports/imported_workload.h"
#include "core/imports/recording_cache.h"
#include "core/workload/trace_shape.h"
// (Qt after this line.)
#include <QObject>
#include <QStringList>

#include "app/gui/recording_job.h"

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

void readInto(RecordingCheck& c) {
    if (c.nativeTrace) {
        WorkloadOptions o;
        o.spec = c.spec;
        c.summary = summaryOf(*openWorkload(o));
        c.recordedSteps = !resolveTraceShape(c.path.toStdString(), {}).stepTokens.empty();
        if (c.recordedSteps) c.summary += QObject::tr(", replayed in its recorded steps");
        return;
    }
    // Another stack's recording: its shape (top-k inferred for counts) and what it holds.
    c.routing = importRoutingShared({c.path.toStdString()});
    const ImportedRouting& r = *c.routing;
    c.summary = summaryOf(ImportedWorkload(c.routing)) + QObject::tr(", %1 steps").arg(r.steps());
    if (r.perToken()) c.summary += QObject::tr(", %1 tokens").arg(r.tokens.size());
    c.details = QString::fromStdString(describeImport(r));
}

}  // namespace

RecordingCheck checkRecording(const QString& path) {
    RecordingCheck c;
    c.path = path;
    c.nativeTrace = isNativeTrace(path);
    c.spec = (c.nativeTrace ? "trace:" : "") + path.toStdString();
    try {
        readInto(c);
    } catch (const std::exception& e) {
        c.error = QString::fromUtf8(e.what());
    } catch (...) {
        c.error = QObject::tr("%1: cannot be read").arg(path);
    }
    return c;
}

}  // namespace moe::gui
