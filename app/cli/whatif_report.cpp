// See whatif_report.h.
#include "app/cli/whatif_report.h"

#include <algorithm>
#include <sstream>

#include "app/cli/table_output.h"
#include "app/cli/text_table.h"

namespace moe::cli {
namespace {

// One row's figures, raw: per step where the columns ask for it.
struct RowFigures {
    double movedExperts, movedBytes, predictorUs, modelledMs;
};

RowFigures figuresOf(const WhatIfScore& s) {
    const double steps = std::max<int64_t>(1, s.steps);
    return {s.movedExperts / steps, s.movedBytes / steps,
            s.forecasts ? 1e6 * s.forecastSeconds / static_cast<double>(s.forecasts) : 0,
            1e3 * (s.computeSeconds + s.exposedCopySeconds) / steps};
}

// "50" (every 50 steps), "<0.90" (whenever predicted balancedness is below 0.90), "-" (never).
std::string scheduleOf(const WhatIfScore& s) {
    if (s.threshold > 0) return "<" + fixed(s.threshold, 2);
    return s.every ? std::to_string(s.every) : "-";
}

// Per-layer figures in one cell: "0.61 0.84 0.85 0.83" (layer order, as the workload numbers them).
std::string joined(const std::vector<double>& values) {
    std::string out;
    for (double v : values) out += (out.empty() ? "" : " ") + rawNumber(v);
    return out;
}

}  // namespace

std::string matrixData(const WhatIfResult& r, const std::string& format) {
    DataTable t({"predictor", "policy", "every", "slowest_over_ideal", "gap_closed",
                 "moved_experts_per_step", "moved_bytes_per_step", "predictor_us",
                 "modelled_ms_per_step", "rebalances", "steps", "migration_aware", "preset",
                 "threshold", "budget", "gap_closed_by_layer"});
    for (const WhatIfScore& s : r.rows) {
        const RowFigures f = figuresOf(s);
        t.addRow({s.predictor, s.policy, std::to_string(s.every), rawNumber(s.slowestOverIdeal),
                  s.predictor == "contiguous" ? "0" : rawNumber(s.gapClosed),
                  rawNumber(f.movedExperts), rawNumber(f.movedBytes), rawNumber(f.predictorUs),
                  rawNumber(f.modelledMs), std::to_string(s.rebalances), std::to_string(s.steps),
                  s.migrationAware ? "1" : "0", s.preset, rawNumber(s.threshold),
                  s.spareSlotsOnly ? "spare" : "slots", joined(s.layerGapClosed)});
    }
    return format == "csv" ? t.csv() : t.json();
}

std::string matrixTable(const WhatIfResult& r) {
    std::ostringstream out;
    out << "workload: " << r.workload << "\n"
        << r.steps << " steps on " << r.ranks
        << " ranks; each plan made only from what exists before the step (load predictors) or "
           "before each layer routes (token-level ones)";
    if (r.warmup > 0) out << "; scored from step " << r.warmup << " (warm-up before)";
    out << "\n\n";
    TextTable t({"predictor", "policy", "every", "slowest/ideal", "gap closed", "moved/step",
                 "MiB/step", "predictor", "modelled/step"});
    t.alignLeft(1);
    for (const WhatIfScore& s : r.rows) {
        const RowFigures f = figuresOf(s);
        const bool bound = s.predictor == "contiguous" || s.predictor == "oracle";
        const std::string name =
            s.preset.empty() ? s.predictor : s.preset + " default: " + s.predictor;
        t.addRow(
            {name,
             s.policy + (s.migrationAware ? "+relabel" : "") + (s.spareSlotsOnly ? "+spare" : ""),
             scheduleOf(s), fixed(s.slowestOverIdeal, 4),
             s.predictor == "contiguous" ? "0%" : fixed(100 * s.gapClosed, 1) + "%",
             fixed(f.movedExperts, 2), fixed(f.movedBytes / (1 << 20), 2),
             bound ? "-" : fixed(f.predictorUs, 1) + " us", fixed(f.modelledMs, 3) + " ms"});
    }
    t.print(out);
    out << "\nslowest/ideal: the slowest rank's token-expert pairs over the layer's pairs / ranks,"
           " averaged over steps and layers (1 = perfect balance)\ngap closed: "
           "(contiguous - row) / (contiguous - that policy's oracle)\nmodelled/step: per layer, "
           "the busiest rank's rows x 6HF at the FLOP rate plus its expert calls at the cost "
           "per call (--call-us), summed over layers, plus weight-copy time a step's compute "
           "does not hide\npredictor: its measured wall time per step, "
           "learning and forecasting every layer (run once for all its policies and cadences)\n"
           "every: <b = checked every step, planned when predicted balancedness is below b\n"
           "+relabel: plans relabelled to keep replicas in place; +spare: a fixed contiguous "
           "base, replicas in spare slots only\n";
    return out.str();
}

}  // namespace moe::cli
