// The CUDA implementation of moe::Backend (core/model/backend.h): gate product with cuBLAS,
// fused score + top-k kernel, expert histogram, SwiGLU expert FFN (cuBLAS products and a fused
// activation kernel). This first version keeps the host-pointer contract of the interface
// (copies in and out per op; expert weights are cached on the device), so it can be checked
// op by op against the CPU backend; device-resident steps come with the GPU engine.
#pragma once

#include <memory>

#include "core/model/backend.h"

namespace moe::gpu {

// Throws moe::Error when no usable device (with the runtime's reason).
std::unique_ptr<Backend> makeCudaBackend(int device = 0);

}  // namespace moe::gpu
