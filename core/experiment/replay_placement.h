// The placement of a replay-only experiment: no layers run, so the loads of each step are
// split over the ranks by the placement arithmetically, by the engine's own rule (a replicated
// expert's pairs divided at Placement::boundary), and a rebalance changes only this placement.
// That gives replay runs rank rows a policy can be judged by, without the expert FFNs' cost.
#pragma once

#include <string>
#include <vector>

#include "core/engine/placement_target.h"
#include "core/engine/telemetry.h"

namespace moe {

class ReplayPlacement final : public PlacementTarget {
public:
    // Contiguous over `ranks`, plus the extra replicas "LAYER:EXPERT:RANK" the config names.
    ReplayPlacement(const MoeLayerConfig& layer, int layers, int ranks,
                    const std::vector<std::string>& replicas);

    const Placement& placement() const override { return placement_; }
    void setPlacement(const Placement& placement) override;
    const MoeLayerConfig& layerConfig() const override { return layer_; }
    bool forcedRouting() const override { return true; }
    void setStepObserver(std::function<void(const Step&)> observer) override {
        observer_ = std::move(observer);
    }

    // The telemetry of `step` under the current placement: its loads, each rank's rows, no
    // drops and no measured time.
    void replay(const Step& step, const LoadMatrix& loads, StepTelemetry& out) const;

private:
    MoeLayerConfig layer_;
    Placement placement_;
    std::function<void(const Step&)> observer_;
};

}  // namespace moe
