// `--backend cuda` must never end a run because the GPU failed: a backend that runs each op on
// the CUDA backend and, at the first GPU failure (out of memory, a fault), says so once and runs
// that op and every later one on the CPU backend. Bad input is not a GPU failure and still throws.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/model/backend.h"

namespace moe::gpu {

using FallbackNotice = std::function<void(const std::string& message)>;

// Throws CudaError when the CUDA backend cannot even start (no device, no driver): the caller
// decides to continue on the CPU and says why.
std::unique_ptr<Backend> makeCudaBackendWithCpuFallback(int device, FallbackNotice notice);

}  // namespace moe::gpu
