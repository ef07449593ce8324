// Executes every MoE layer of a step on G in-process ranks with the current placement.
// Owns the weights, the rank threads and their communicators; knows nothing of where steps
// come from or where telemetry goes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/balance/placement.h"
#include "core/engine/telemetry.h"
#include "core/model/layer_config.h"
#include "core/workload/step.h"

namespace moe {

struct EngineConfig {
    MoeLayerConfig layer;  // experts and top-k are taken from the workload's shape
    int ranks = 4;
    int threads = 0;  // compute threads in all; 0 = all hardware threads
    uint64_t seed = 1;
    bool forcedRouting = true;          // follow the workload's routing instead of the own gate
    bool shareWeights = false;          // one set of expert weights for all layers (saves memory)
    std::vector<std::string> replicas;  // extra replicas, "LAYER:EXPERT:RANK" (LAYER may be *)

    // Bytes of weights the engine will allocate for this shape.
    size_t weightBytes(int layers) const;
};

class MoeEngine {
public:
    MoeEngine(const EngineConfig& config, const WorkloadShape& shape);
    ~MoeEngine();

    // Runs all layers of `step`; fills `out` (sized and overwritten).
    void runStep(const Step& step, StepTelemetry& out);

    const Placement& placement() const;
    void setPlacement(const Placement& placement);
    const MoeLayerConfig& layerConfig() const;
    int threadsPerRank() const;
    std::string describe() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moe
