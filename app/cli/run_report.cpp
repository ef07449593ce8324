// See run_report.h.
#include "app/cli/run_report.h"

#include "app/cli/text_table.h"

namespace moe::cli {

void printRunReport(std::ostream& out, const RunSummary& s, const Placement& p,
                    int threadsPerRank) {
    out << "\nsteps " << grouped(s.steps()) << ", tokens " << grouped(s.tokens()) << ", wall "
        << seconds(s.wallSeconds()) << ", " << grouped(static_cast<long long>(s.tokensPerSecond()))
        << " tokens/s (step p50 " << seconds(s.stepWallPercentile(0.5)) << ", p95 "
        << seconds(s.stepWallPercentile(0.95)) << ")\n";
    if (s.steps() == 0) return;

    out << "\nPer layer (skewness = max/mean expert load)\n";
    TextTable layers({"layer", "skew(run)", "skew(step avg)", "cv(run)", "max expert", "dropped"});
    for (int l = 0; l < s.layers(); ++l) {
        const LayerLoadStats st = layerLoadStats(s.totals().layer(l));
        long long hottest = 0;
        for (int e = 0; e < s.totals().experts(); ++e)
            if (s.totals().at(l, e) == st.max) {
                hottest = e;
                break;
            }
        layers.addRow({std::to_string(l), fixed(st.skewness, 2), fixed(s.meanStepSkewness(l), 2),
                       fixed(st.cv, 3), std::to_string(hottest), grouped(s.dropped(l))});
    }
    layers.print(out);

    out << "\nPer rank (rows = token-expert pairs computed, all layers; busy = expert FFN time, "
        << (threadsPerRank == 0   ? "none: replay only, no layers executed"
            : threadsPerRank == 1 ? "thread CPU time"
                                  : "wall time")
        << ")\n";
    long long totalRows = 0;
    double totalBusy = 0;
    for (int r = 0; r < s.ranks(); ++r) {
        totalRows += s.rankRows(r);
        totalBusy += s.rankBusySeconds(r);
    }
    TextTable ranks({"rank", "experts (layer 0)", "rows", "share", "busy", "busy share"});
    for (int r = 0; r < s.ranks(); ++r) {
        std::string held;
        for (int e : p.expertsOnRank(0, r)) held += (held.empty() ? "" : ",") + std::to_string(e);
        if (held.size() > 24) held = held.substr(0, 21) + "...";
        ranks.addRow(
            {std::to_string(r), held, grouped(s.rankRows(r)),
             fixed(totalRows ? 100.0 * s.rankRows(r) / totalRows : 0, 1) + "%",
             seconds(s.rankBusySeconds(r)),
             fixed(totalBusy > 0 ? 100.0 * s.rankBusySeconds(r) / totalBusy : 0, 1) + "%"});
    }
    ranks.print(out);
    out << "\nbalancedness (mean/max rows per rank, averaged over steps and layers): "
        << fixed(s.meanBalancedness(), 3) << "\n";
}

}  // namespace moe::cli
