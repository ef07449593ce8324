// The composition that knows every workload kind: trace replay (core/workload), synthetic
// routing (core/workload) and the live-trained MoE language model (core/train). It lives here,
// above all three, so that no lower layer imports one above it.
#pragma once

#include <memory>
#include <string>

#include "core/train/train_spec.h"
#include "core/workload/workload.h"
#include "core/workload/workload_factory.h"

namespace moe {

// Throws moe::Error with a message a user can act on.
std::unique_ptr<Workload> openWorkload(const WorkloadOptions& options);

// The train spec's key=value list (without "train:") over defaults from `options`: seed,
// --layers/--experts/--top-k as blocks/experts/top_k, and maxSteps capping steps.
train::TrainSpec parseTrainWorkloadSpec(const std::string& keyValues,
                                        const WorkloadOptions& options);

}  // namespace moe
