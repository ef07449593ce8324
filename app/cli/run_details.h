// What `runs show` prints about one stored run: its record (name, status, times, machine,
// backend, shape), headline metrics, per-layer skewness, per-rank load, predictions and
// decisions summaries, and the full configuration.
#pragma once

#include <ostream>

#include "core/store/experiment_store.h"

namespace moe::cli {

void printRunDetails(std::ostream& out, store::ExperimentStore& store, const store::RunRecord& run);
// The same as one JSON object, for scripts: the record, the run-level metrics (only those
// measured), the predictions and decisions summaries, and the configuration as stored.
void printRunDetailsJson(std::ostream& out, store::ExperimentStore& store,
                         const store::RunRecord& run);

}  // namespace moe::cli
