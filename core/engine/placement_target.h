// What a rebalance controller changes: the placement of a running engine, or, in a replay-only
// experiment (no layers executed), a placement alone that the replayed loads are split by.
// The controller needs no more of an engine than this, so both kinds of run rebalance alike.
#pragma once

#include <functional>

#include "core/balance/placement.h"
#include "core/model/layer_config.h"
#include "core/workload/step.h"

namespace moe {

class PlacementTarget {
public:
    virtual ~PlacementTarget() = default;
    virtual const Placement& placement() const = 0;
    virtual void setPlacement(const Placement& placement) = 0;
    // Hidden and FFN widths: the bytes an expert's weights take, the FLOPs of a row.
    virtual const MoeLayerConfig& layerConfig() const = 0;
    // True when the loads follow each step's expert ids (not a gate of the target's own).
    virtual bool forcedRouting() const = 0;
    // Called with each step before it runs; an empty function removes it.
    virtual void setStepObserver(std::function<void(const Step&)> observer) = 0;
};

}  // namespace moe
