// See step_summary.h.
#include "app/gui/step_summary.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/stats/workload_stats.h"

namespace moe::gui {

StepSummary summarize(const StepTelemetry& t) {
    StepSummary s;
    s.rankRows.assign(static_cast<size_t>(t.ranks), 0.0);
    s.rankBusySeconds.assign(static_cast<size_t>(t.ranks), 0.0);
    double balance = 0, skew = 0;
    std::vector<double> layerRows(static_cast<size_t>(t.ranks));
    for (int l = 0; l < t.layers; ++l) {
        for (int r = 0; r < t.ranks; ++r) {
            layerRows[r] = static_cast<double>(t.rankRowsAt(l, r));
            s.rankRows[r] += layerRows[r];
            s.rankBusySeconds[r] += t.busyAt(l, r);
        }
        balance += balancedness(layerRows);
        int64_t total = 0, peak = 0;
        for (int e = 0; e < t.loads.experts(); ++e) {
            total += t.loads.at(l, e);
            peak = std::max(peak, t.loads.at(l, e));
        }
        if (total > 0) skew += static_cast<double>(peak) * t.loads.experts() / total;
    }
    if (t.layers > 0) {
        s.balancedness = balance / t.layers;
        s.skewness = skew / t.layers;
    }
    return s;
}

widgets::RankBalanceView::RankStep rankStep(const StepTelemetry& t) {
    StepSummary sum = summarize(t);
    widgets::RankBalanceView::RankStep rs;
    rs.step = t.step;
    rs.rankRows = std::move(sum.rankRows);
    rs.rankBusySeconds = std::move(sum.rankBusySeconds);
    rs.balancedness = sum.balancedness;
    rs.skewness = sum.skewness;
    return rs;
}

}  // namespace moe::gui
