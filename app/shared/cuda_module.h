// Opens the CUDA backend module (gpu/module/cuda_module_api.h) the first time a command asks for
// CUDA, so commands that never do start without loading cuBLAS. Looked for next to the running
// program, or where MOE_CUDA_MODULE points (tests, relocated installs).
#pragma once

#include <string>

#include "gpu/module/cuda_module_api.h"

namespace moe::app {

// The module's entry points, or nullptr with `why` set: not built, not found, or unloadable
// (the loader's message). Opened once per process; later calls return the same answer.
const gpu::CudaModuleApi* cudaModule(std::string* why);

// Whether this build made the module at all (nvcc was found at configure time).
bool cudaModuleBuilt();

}  // namespace moe::app
