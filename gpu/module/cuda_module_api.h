// The one door between the front ends and the CUDA backend, which lives in a module
// (libmoe_cuda.so) opened at first use: linking cuBLAS into the programs cost every command,
// `--help` included, 400-500 ms of start-up on a machine without a GPU. Plain C++ types only
// (no CUDA headers). The entry points below throw nothing: starting a backend fails with a
// message. The backends they make throw moe::Error from their ops like every Backend (bad
// input); that crosses into the program, whose own copy of the core catches it: libstdc++
// matches exception types by name across the two copies, and both are built together.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/model/backend.h"
#include "gpu/device_info.h"

namespace moe::gpu {

// Bumped whenever a member changes, so a stale module next to a newer program is refused.
inline constexpr int kCudaModuleApiVersion = 1;

struct CudaModuleApi {
    int version = kCudaModuleApiVersion;
    // Layout checks beside the version, for an edit that forgot to bump it.
    std::size_t apiSize = sizeof(CudaModuleApi);
    std::size_t deviceInfoSize = sizeof(DeviceInfo);
    // The devices the runtime sees; when empty, `whyEmpty` gets the runtime's reason.
    std::vector<DeviceInfo> (*listDevices)(std::string* whyEmpty) = nullptr;
    // The CUDA backend on `device`; nullptr with `error` set when it cannot start.
    std::unique_ptr<Backend> (*startBackend)(int device, std::string* error) = nullptr;
    // As startBackend, wrapped so a later GPU failure moves the rank to the CPU with a notice.
    std::unique_ptr<Backend> (*startBackendWithCpuFallback)(
        int device, std::function<void(const std::string&)> notice, std::string* error) = nullptr;
};

}  // namespace moe::gpu

// The module's only exported symbol.
extern "C" const moe::gpu::CudaModuleApi* moe_cuda_module_api();
