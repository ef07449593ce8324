// One step's telemetry reduced to what the rank balance view and the overlays show: rows and
// busy time per rank summed over layers, and the layer means of balancedness and expert skew.
// One definition for the live run, a scrubbed stored run and overlays; rankStep() turns it
// into what the rank balance view takes.
#pragma once

#include <vector>

#include "core/engine/telemetry.h"
#include "widgets/rank_balance_view.h"

namespace moe::gui {

struct StepSummary {
    std::vector<double> rankRows;         // per rank, all layers
    std::vector<double> rankBusySeconds;  // per rank, all layers
    double balancedness = 1;              // mean over layers of mean/max rank rows
    double skewness = 0;                  // mean over layers of max/mean expert load
};

StepSummary summarize(const StepTelemetry& t);

// The view's record of step `t` (measured and modelled times left unset: the caller has them).
widgets::RankBalanceView::RankStep rankStep(const StepTelemetry& t);

}  // namespace moe::gui
