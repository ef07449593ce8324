// The telemetry record of a step whose layers were not executed (predict, train): its loads
// on one notional rank that computes every pair, no drops, no busy time. One definition, so
// the store reads such runs like any other.
#pragma once

#include "core/engine/telemetry.h"
#include "core/workload/step.h"

namespace moe {

StepTelemetry routingOnlyTelemetry(const Step& step, const LoadMatrix& loads, int topK);

}  // namespace moe
