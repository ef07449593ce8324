// Executes every MoE layer of a step on G ranks with the current placement: G in-process
// ranks (threads), or, given a communicator, the one rank of this process among G processes
// (MPI), every process calling runStep with the same step. Owns the weights, the rank threads
// and their communicators; knows nothing of where steps come from or where telemetry goes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/balance/placement.h"
#include "core/comm/communicator.h"
#include "core/engine/placement_target.h"
#include "core/engine/telemetry.h"
#include "core/model/backend.h"
#include "core/model/layer_config.h"
#include "core/workload/step.h"

namespace moe {

// Sees a rank's layer output (its tokens x H, before the residual), on that rank's thread and
// possibly on several rank threads at once: for checking one rank layout against another.
using LayerOutputHook =
    std::function<void(int rank, int layer, int firstToken, std::span<const float> y)>;

struct EngineConfig {
    MoeLayerConfig layer;  // experts and top-k are taken from the workload's shape
    int ranks = 4;
    int threads = 0;  // compute threads in all; 0 = all hardware threads
    uint64_t seed = 1;
    bool forcedRouting = true;          // follow the workload's routing instead of the own gate
    bool shareWeights = false;          // one set of expert weights for all layers (saves memory)
    std::vector<std::string> replicas;  // extra replicas, "LAYER:EXPERT:RANK" (LAYER may be *)
    // One rank per process: run only communicator->rank() of communicator->size() ranks
    // (`ranks` is then taken from it; `threads` are this process's). Not owned; must outlive
    // the engine. Telemetry is gathered, so every process gets the whole step's. Rank 0's
    // placement is the one that counts: it is broadcast before each step that follows a change.
    Communicator* communicator = nullptr;
    LayerOutputHook layerOutputHook;  // optional
    // The op backend of each rank this process runs (its global rank as the argument), e.g.
    // the CUDA backend on GPU rank % devices. Empty: the CPU backend.
    std::function<std::unique_ptr<Backend>(int rank)> makeBackend;

    // Bytes of weights the engine will allocate for this shape.
    size_t weightBytes(int layers) const;
};

class MoeEngine final : public PlacementTarget {
public:
    MoeEngine(const EngineConfig& config, const WorkloadShape& shape);
    ~MoeEngine() override;

    // Runs all layers of `step`; fills `out` (sized and overwritten).
    void runStep(const Step& step, StepTelemetry& out);

    const Placement& placement() const override;
    // With one rank per process, only rank 0 may change the placement (see EngineConfig).
    void setPlacement(const Placement& placement) override;
    int ranks() const;
    bool distributed() const;  // one rank per process
    const MoeLayerConfig& layerConfig() const override;
    bool forcedRouting() const override;  // the layers follow each step's expert ids (no own gate)
    // Called by runStep with each step before it runs, on the calling thread (rank 0's
    // process when distributed), after the ids are checked: for observers that need the
    // per-token routing the telemetry does not carry (MoETuner's layer-to-layer transitions).
    // An empty function removes it; the observer must outlive its registration.
    void setStepObserver(std::function<void(const Step&)> observer) override;
    int threadsPerRank() const;
    // In-process ranks: CPU time they have spent waiting at collectives so far, beyond a brief
    // spin (see InProcessGroup::waitedCpuSeconds); 0 when distributed.
    double collectiveWaitCpuSeconds() const;
    std::string describe() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moe
