// See whatif_job.h. Core's headers come first, before Qt's `slots` macro exists.
#include "core/whatif/whatif_matrix.h"
// (Qt after this line.)
#include <QRegularExpression>

#include "app/gui/whatif_job.h"

namespace moe::gui {

WhatIfJob::WhatIfJob(Done done, Failed failed, QObject* parent)
    : GuiWorker(parent), done_(std::move(done)), failed_(std::move(failed)) {}

WhatIfJob::~WhatIfJob() {
    stop_ = true;
    wait();  // the matrix reads stop_ and writes steps_
}

bool WhatIfJob::start(const WhatIfSpec& spec) {
    if (running()) return false;
    stop_ = false;
    steps_ = 0;
    return GuiWorker::start([this, spec]() -> std::function<void()> {
        try {
            WhatIfResult r = runWhatIf(
                spec, [this](int64_t s) { steps_ = s; }, &stop_);
            return [this, r = std::move(r), spec] { done_(r, spec); };
        } catch (const std::exception& e) {
            return [this, message = QString::fromUtf8(e.what())] { failed_(message); };
        }
    });
}

std::vector<widgets::WhatIfCell> whatIfCells(const WhatIfResult& result) {
    std::vector<widgets::WhatIfCell> cells;
    for (const WhatIfScore& s : result.rows) {
        widgets::WhatIfCell c;
        c.predictor = QString::fromStdString(s.predictor);
        c.policy = QString::fromStdString(s.policy) + (s.migrationAware ? "+relabel" : "") +
                   (s.spareSlotsOnly ? "+spare" : "");
        c.schedule =
            s.threshold > 0 ? "<" + QString::number(s.threshold, 'f', 2) : QString::number(s.every);
        c.preset = QString::fromStdString(s.preset);
        c.relabelled = s.migrationAware;
        c.spareOnly = s.spareSlotsOnly;
        c.slowestOverIdeal = s.slowestOverIdeal;
        c.gapClosed = s.predictor == "contiguous" ? 0 : s.gapClosed;
        const double steps = static_cast<double>(std::max<int64_t>(1, s.steps));
        c.movedPerStep = s.movedExperts / steps;
        c.mibPerStep = s.movedBytes / steps / (1 << 20);
        c.predictorUs =
            s.forecasts ? 1e6 * s.forecastSeconds / static_cast<double>(s.forecasts) : 0;
        c.modelledMs = 1e3 * (s.computeSeconds + s.exposedCopySeconds) / steps;
        c.curve = s.perStep;
        cells.push_back(std::move(c));
    }
    return cells;
}

QString whatIfTitle(const WhatIfResult& result) {
    // A trace's folders say where this machine keeps it, not what was replayed: its file name.
    QString workload = QString::fromStdString(result.workload);
    workload.replace(QRegularExpression(QStringLiteral("(^|[\\s:=])[^\\s,():=]*/([^/\\s,()]+)")),
                     QStringLiteral("\\1\\2"));
    QString title = QObject::tr("<b>What-if</b> %1: %2 steps on %3 ranks")
                        .arg(workload.toHtmlEscaped())
                        .arg(result.steps)
                        .arg(result.ranks);
    if (result.warmup > 0) title += QObject::tr(", scored from step %1").arg(result.warmup);
    return title + QObject::tr(". A cell: gap closed (slowest/ideal left); click for its curve.");
}

}  // namespace moe::gui
