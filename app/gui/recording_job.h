// Reading a recording off the GUI thread. File > Open recording and drag and drop read the whole
// file once to check it and to say what it holds; a recording of a few gigabytes takes seconds
// to read, and on the GUI thread the window would stop drawing for that long. checkRecording()
// runs on any thread and never throws; the window runs it on a GuiWorker (gui_worker.h). Core's
// headers stay out of this one (whatif_job.h says why).
#pragma once

#include <QString>
#include <memory>
#include <string>

namespace moe {
struct ImportedRouting;
}

namespace moe::gui {

struct RecordingCheck {
    QString path;
    std::string spec;            // the workload spec that opens it ("trace:" for a native trace)
    bool nativeTrace = false;    // a .tsv.gz / .tsv trace, read through its shape
    bool recordedSteps = false;  // a native trace `import` wrote with the recording's steps
    QString summary;             // what it holds, one line for the status bar
    QString details;             // the importer's description (a tooltip); none for a trace
    QString error;               // why it cannot be opened; empty when it can
    // Another stack's recording as read. Whoever holds it lets the run share it instead of
    // reading the files again (core/imports/recording_cache.h).
    std::shared_ptr<const ImportedRouting> routing;
};

// Reads `path` (a file or a folder of per-rank files) once.
RecordingCheck checkRecording(const QString& path);

}  // namespace moe::gui
