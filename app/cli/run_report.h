// The end-of-run summary of `run`: throughput, per-layer skewness and drops, per-rank rows and
// busy time, balancedness.
#pragma once

#include <ostream>

#include "core/engine/moe_engine.h"
#include "core/engine/run_summary.h"

namespace moe::cli {

// `placement`: the run's last; threadsPerRank 0 = a replay-only run (no time measured).
void printRunReport(std::ostream& out, const RunSummary& summary, const Placement& placement,
                    int threadsPerRank);

}  // namespace moe::cli
