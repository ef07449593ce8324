// A tiny model on the bundled corpus, small enough that a test trains it in milliseconds.
#pragma once

#include "core/train/train_spec.h"

namespace moe::train::test {

inline TrainSpec tinySpec(int64_t steps = 6) {
    TrainSpec s;
    s.steps = steps;
    TrainOptions& o = s.options;
    o.sections = "tutorial";
    o.batch = 4;
    o.evalEvery = 0;
    o.evalWindows = 4;
    o.threads = 1;
    LmConfig& m = o.model;
    m.context = 16;
    m.width = 16;
    m.blocks = 2;
    m.heads = 2;
    m.experts = 4;
    m.topK = 2;
    m.ffn = 16;
    return s;
}

}  // namespace moe::train::test
