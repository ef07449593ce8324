// The pieces an experiment is built from, each derived from the config alone (plus the
// facts a run learns), so they can be tested one by one and read without the run loop.
#pragma once

#include <string>

#include "core/engine/moe_engine.h"
#include "core/engine/rebalance_controller.h"
#include "core/experiment/experiment.h"
#include "core/store/store_records.h"
#include "core/workload/workload_factory.h"

namespace moe {

WorkloadOptions workloadOptionsFor(const ExperimentConfig& c);
// Threads for the engine: in all (in-process ranks share them), or, with one rank per
// process, this process's share of its machine (model.threads counts a machine's then).
int engineThreadsFor(const ExperimentModel& m, const ExperimentEnvironment& env);
EngineConfig engineConfigFor(const ExperimentConfig& c, const ExperimentEnvironment& env);
RebalanceOptions rebalanceOptionsFor(const ExperimentConfig& c, const WorkloadShape& shape);
// The default name of a stored run: by front end and workload.
std::string defaultRunName(const ExperimentConfig& c);
// What the run found out, as a JSON object's text: shape, backend, MPI processes and hosts.
std::string runFactsJson(const WorkloadShape& shape, int ranks, const BackendSelection& backend,
                         const ExperimentEnvironment& env);

}  // namespace moe
