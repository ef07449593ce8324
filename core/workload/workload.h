// Where routing comes from. Every source (trace replay, synthetic generator, the live LM
// trainer) implements this, so the engine, predictors and policies never care which it is.
#pragma once

#include <string>

#include "core/workload/step.h"

namespace moe {

class Workload {
public:
    virtual ~Workload() = default;
    virtual const WorkloadShape& shape() const = 0;
    // Fills `step` with the next step; returns false at the end of the workload.
    // Throws moe::Error (with file and line where there is one) on bad input.
    virtual bool next(Step& step) = 0;
    // One line for humans and for the experiment record, e.g. "trace:PATH (continuous, B=64)".
    virtual std::string describe() const = 0;
};

}  // namespace moe
