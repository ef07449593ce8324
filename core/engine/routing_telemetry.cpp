// See routing_telemetry.h.
#include "core/engine/routing_telemetry.h"

namespace moe {

StepTelemetry routingOnlyTelemetry(const Step& step, const LoadMatrix& loads, int topK) {
    StepTelemetry t;
    t.step = step.index;
    t.tokens = step.tokens;
    t.layers = loads.layers();
    t.ranks = 1;
    t.loads = loads;
    t.dropped.assign(static_cast<size_t>(t.layers), 0);
    t.rankRows.assign(static_cast<size_t>(t.layers), static_cast<int64_t>(step.tokens) * topK);
    t.rankBusySeconds.assign(static_cast<size_t>(t.layers), 0.0);
    return t;
}

}  // namespace moe
