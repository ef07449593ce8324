// See backend_choice.h. The CUDA parts exist only in builds with the gpu/ target.
#include "app/shared/backend_choice.h"

#include <algorithm>
#include <set>

#include "core/model/cpu_backend.h"
#ifdef MOE_HAVE_CUDA
#include "gpu/cuda_backend.h"
#include "gpu/cuda_error.h"
#include "gpu/device_info.h"
#include "gpu/fallback_backend.h"
#endif

namespace moe::app {

BackendChoice chooseBackend(const std::string& requested, int device, int localRank, int ranksHere,
                            std::function<void(const std::string&)> notice) {
    BackendChoice c;
    c.requested = requested;
    if (requested != "cuda") return c;
#ifndef MOE_HAVE_CUDA
    (void)device;
    (void)localRank;
    (void)ranksHere;
    (void)notice;
    c.note = "cuda: not built (nvcc was not found when this build was configured)";
    return c;
#else
    std::string why;
    const auto devices = gpu::listDevices(&why);
    if (devices.empty()) {
        c.note = "cuda: no device (" + why + ")";
        return c;
    }
    const int count = static_cast<int>(devices.size());
    if (device >= count) {
        c.note = "cuda: no device " + std::to_string(device) + " (" + std::to_string(count) +
                 " present)";
        return c;
    }
    auto deviceFor = [=](int rank) { return device >= 0 ? device : (localRank + rank) % count; };
    // One trial start here, so a broken driver or a full device is a note now, not a failure
    // on a rank thread later.
    try {
        gpu::makeCudaBackend(deviceFor(0));
    } catch (const gpu::CudaError& e) {
        c.note = std::string("cuda: the device cannot start: ") + e.what();
        return c;
    }
    c.used = "cuda";
    c.make = [deviceFor, notice](int rank) -> std::unique_ptr<Backend> {
        try {
            return gpu::makeCudaBackendWithCpuFallback(deviceFor(rank), notice);
        } catch (const gpu::CudaError& e) {  // this rank's device failed to start
            if (notice)
                notice("rank " + std::to_string(rank) + ": " + e.what() +
                       "; this rank runs on the CPU");
            return std::make_unique<CpuBackend>();
        }
    };
    std::set<int> used;
    for (int r = 0; r < std::min(ranksHere, count); ++r) used.insert(deviceFor(r));
    for (int i : used) {
        const auto& d = devices[i];
        c.devices.push_back(
            {{"index", d.index},
             {"name", d.name},
             {"memory_bytes", d.totalMemoryBytes},
             {"sm", "sm_" + std::to_string(d.computeMajor) + std::to_string(d.computeMinor)},
             {"sms", d.smCount},
             {"pci", d.pciBusId}});
    }
    return c;
#endif
}

}  // namespace moe::app
