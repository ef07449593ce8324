// The bounds the workbench puts on what outside data and options may ask of it, in one place,
// so every reader refuses the same sizes with the number named, and the README's table
// ("Resource limits") can be checked against them (tests/core/common/resource_limits_test.cpp).
// Each bound is far above any real model or recording and far below what would exhaust a
// machine: a typo or a damaged file becomes a message, not a multi-gigabyte allocation.
#pragma once

#include <cstdint>

namespace moe::limits {

// Dimensions of a native trace (.shape sidecar): layers, experts, ids per token (layers x
// top-k), and the model layer numbers it names.
inline constexpr int kTraceDimension = 1 << 20;
// Tokens in one recorded step (`step_tokens=` in a sidecar).
inline constexpr int64_t kRecordedStepTokens = int64_t{1} << 24;
// A native trace line is at most max(kTraceLineFloor, kTraceBytesPerId x (ids per token + 2)).
inline constexpr int64_t kTraceLineFloor = int64_t{1} << 20;
inline constexpr int64_t kTraceBytesPerId = 32;

// An experiment (CLI options, GUI fields, stored configurations).
inline constexpr int kLayers = 4096;
inline constexpr int kExperts = 65536;
inline constexpr int kTopK = 1024;
inline constexpr int kRanks = 1024;
inline constexpr int kTokensPerStep = 1 << 20;  // and the continuous batch's sequences
inline constexpr int kSlots = 1 << 20;          // and extra (redundant) slots
inline constexpr int kHidden = 65536;           // the expert FFN's model width
inline constexpr int kFfn = 262144;             // and its inner width

// Synthetic workloads build layers x experts (x hidden) tables.
inline constexpr int64_t kSyntheticCells = int64_t{1} << 24;
inline constexpr int64_t kSyntheticHiddenCells = int64_t{1} << 28;

// A loads CSV: the largest ids, and the dense matrix the rows may imply beyond kCsvDenseCells
// (kCsvCellsPerRow per row given).
inline constexpr int64_t kCsvLayerId = 100000;
inline constexpr int64_t kCsvExpertId = 1000000;
inline constexpr int64_t kCsvDenseCells = int64_t{1} << 16;
inline constexpr int64_t kCsvCellsPerRow = 64;

// Dimensions stored in an experiment store's rows (layers, experts, ranks), and layers x the
// larger of experts and ranks.
inline constexpr int kStoredDimension = 1 << 20;
inline constexpr int64_t kStoredCells = int64_t{1} << 24;

// Any length field of a training checkpoint.
inline constexpr uint64_t kCheckpointLength = uint64_t{1} << 34;

// torch.save archives: the pickled object tree, one tensor's storage, containers in containers.
inline constexpr uint64_t kPickleBytes = uint64_t{256} << 20;
inline constexpr uint64_t kTensorStorageBytes = uint64_t{16} << 30;
inline constexpr int kPickleNesting = 200;
// A safetensors file's JSON header.
inline constexpr uint64_t kSafetensorsHeaderBytes = 100'000'000;

// Messages: a value echoed back is cut beyond kEchoedWordBytes, a message beyond kMessageBytes.
inline constexpr int kEchoedWordBytes = 512;
inline constexpr int kMessageBytes = 8192;

}  // namespace moe::limits
