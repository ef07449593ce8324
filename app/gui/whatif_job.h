// The what-if matrix off the GUI thread: runs core's runWhatIf on a worker thread (gui_worker.h)
// with a stop flag and a step counter the window polls for its progress dialog, then hands the
// result (or the error) back on the GUI thread. Also turns a result into the view's plain cells.
// Core's what-if types are only forward-declared here: their headers name fields `slots`, which
// Qt's keyword macro would rewrite in any file that includes Qt first.
#pragma once

#include <QString>
#include <atomic>
#include <functional>
#include <vector>

#include "app/gui/gui_worker.h"
#include "widgets/whatif_view.h"

namespace moe {
struct WhatIfSpec;
struct WhatIfResult;
}  // namespace moe

namespace moe::gui {

class WhatIfJob : public GuiWorker {
public:
    using Done = std::function<void(const WhatIfResult&, const WhatIfSpec&)>;
    using Failed = std::function<void(const QString&)>;
    WhatIfJob(Done done, Failed failed, QObject* parent = nullptr);
    ~WhatIfJob() override;

    // Starts the matrix of `spec` (one at a time: false while one runs). `done` or `failed`
    // follows on the GUI thread.
    bool start(const WhatIfSpec& spec);
    void cancel() { stop_ = true; }
    int64_t stepsDone() const { return steps_.load(); }
    bool cancelled() const { return stop_.load(); }

private:
    Done done_;
    Failed failed_;
    std::atomic<bool> stop_{false};
    std::atomic<int64_t> steps_{0};
};

// The view's cells: one per row, policy labelled with +relabel / +spare, schedule "N" or "<b".
std::vector<widgets::WhatIfCell> whatIfCells(const WhatIfResult& result);
// "What-if WORKLOAD: 1,123 steps on 4 ranks" for the view's title.
QString whatIfTitle(const WhatIfResult& result);

}  // namespace moe::gui
