// See backend_choice.h. CUDA comes from the module app/shared/cuda_module.h opens on demand.
#include "app/shared/backend_choice.h"

#include <algorithm>
#include <set>

#include "app/shared/cuda_module.h"
#include "core/model/cpu_backend.h"

namespace moe::app {

BackendChoice chooseBackend(const std::string& requested, int device, int localRank, int ranksHere,
                            std::function<void(const std::string&)> notice) {
    BackendChoice c;
    c.requested = requested;
    if (requested != "cuda") return c;
    std::string why;
    const gpu::CudaModuleApi* cuda = cudaModule(&why);
    if (!cuda) {
        c.note = "cuda: " + why;
        return c;
    }
    const auto devices = cuda->listDevices(&why);
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
    if (!cuda->startBackend(deviceFor(0), &why)) {
        c.note = "cuda: the device cannot start: " + why;
        return c;
    }
    c.used = "cuda";
    c.make = [cuda, deviceFor, notice](int rank) -> std::unique_ptr<Backend> {
        std::string error;
        if (auto backend = cuda->startBackendWithCpuFallback(deviceFor(rank), notice, &error))
            return backend;
        // This rank's device failed to start.
        if (notice)
            notice("rank " + std::to_string(rank) + ": " + error + "; this rank runs on the CPU");
        return std::make_unique<CpuBackend>();
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
}

}  // namespace moe::app
