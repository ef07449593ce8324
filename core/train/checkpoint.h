// Training checkpoints: a binary file with a magic, a format version and the model's sizes as
// text, then the step, the sampler's random state, every parameter with both AdamW moments and
// the expert selection biases, and an end marker. Written to a temporary file and renamed, so
// an interrupted save never leaves a half-written checkpoint under the real name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/train/lm_config.h"

namespace moe::train {

constexpr uint32_t kCheckpointVersion = 1;

struct CheckpointData {
    LmConfig model;
    std::string sections;  // the schedule it was trained with (informational)
    int64_t step = 0;      // steps taken; the next step has this index
    uint64_t samplerState = 0;
    int64_t optimizerSteps = 0;
    std::vector<std::string> names;
    std::vector<std::vector<float>> values, m, v;  // per parameter
    std::vector<std::vector<float>> bias;          // per block (empty vectors = no bias)
};

void writeCheckpoint(const std::string& path, const CheckpointData& data);
// Throws moe::Error naming the file: missing, not a checkpoint, another version, truncated,
// or inconsistent sizes.
CheckpointData readCheckpoint(const std::string& path);

// The model's sizes as key=value text (the header) and back.
std::string describeModel(const LmConfig& c);
LmConfig parseModelDescription(const std::string& text, const std::string& pathForErrors);

}  // namespace moe::train
