// Tokens per expert from the router's flat T*k expert ids: the load count n[e] every predictor
// and policy consumes, here on the GPU, with the CPU reference beside it that defines correct.
// Plain C++ interface; the CUDA side stays in kernels/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace moe::gpu {

// Counts how often each expert id in [0, experts) occurs among ids[0..n). Ids outside that
// range (e.g. -1 for a pair dropped by capacity) are not counted. Copies the ids to the device,
// runs the kernel on the current device and copies the counts back. Throws moe::Error with the
// CUDA error text when the device or the launch fails, or when experts <= 0.
std::vector<std::int64_t> expertHistogram(const std::int32_t* hostIds, std::size_t n, int experts);

// The CPU reference with the same contract; the kernel is tested against it.
std::vector<std::int64_t> expertHistogramCpu(const std::int32_t* ids, std::size_t n, int experts);

}  // namespace moe::gpu
