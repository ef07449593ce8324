// What `runs show` prints about one stored run: its record (name, status, times, machine,
// backend, shape), headline metrics, per-layer skewness, per-rank load, predictions and
// decisions summaries, and the full configuration.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>

#include "core/store/experiment_store.h"

namespace moe::cli {

// A stored run-level metric formatted, or "-" when the run did not measure it (routing-only
// runs time nothing): `runs show` and `compare` read metrics alike.
std::string shownMetric(const std::map<std::string, double>& metrics, const std::string& key,
                        const std::function<std::string(double)>& format);

void printRunDetails(std::ostream& out, store::ExperimentStore& store, const store::RunRecord& run);
// The same as one JSON object, for scripts: the record, the run-level metrics (only those
// measured), the predictions and decisions summaries, and the configuration as stored.
void printRunDetailsJson(std::ostream& out, store::ExperimentStore& store,
                         const store::RunRecord& run);

}  // namespace moe::cli
