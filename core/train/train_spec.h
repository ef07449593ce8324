// The "train:key=value,..." workload spec: how the CLI's --workload and the GUI describe a
// live training run. Keys mirror the `train` command's flags, so a run can be replayed from
// the describe() string stored with it.
#pragma once

#include <cstdint>
#include <string>

#include "core/train/trainer.h"

namespace moe::train {

struct TrainSpec {
    TrainOptions options;
    int64_t steps = 0;  // 0 = until stopped
};

// keyValues is the part after "train:". `base` supplies defaults (seed, flag overrides).
// Throws moe::Error naming the bad key or value.
TrainSpec parseTrainSpec(const std::string& keyValues, const TrainSpec& base);
// The canonical spec (without "train:") of every setting, for the experiment record.
std::string describeTrainSpec(const TrainSpec& spec);
// One line listing the keys, for help text.
std::string trainSpecKeys();

}  // namespace moe::train
