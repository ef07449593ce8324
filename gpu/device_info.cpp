// Device discovery through the CUDA runtime. Every runtime error becomes an empty list plus a
// reason, because "no GPU here" is the normal case on developer and CI machines.
#include "gpu/device_info.h"

#include <cuda_runtime_api.h>

#include <cstdio>

namespace moe::gpu {

namespace {

std::string explain(cudaError_t err) {
    return std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
}

}  // namespace

std::vector<DeviceInfo> listDevices(std::string* whyEmpty) {
    std::vector<DeviceInfo> devices;
    int count = 0;
    const cudaError_t err = cudaGetDeviceCount(&count);
    if (err != cudaSuccess) {
        // Clear the sticky last-error so later runtime calls do not report it again.
        cudaGetLastError();
        if (whyEmpty) *whyEmpty = explain(err);
        return devices;
    }
    if (count == 0) {
        if (whyEmpty) *whyEmpty = "the CUDA runtime reports 0 devices";
        return devices;
    }
    for (int i = 0; i < count; ++i) {
        cudaDeviceProp prop{};
        const cudaError_t perr = cudaGetDeviceProperties(&prop, i);
        if (perr != cudaSuccess) {
            cudaGetLastError();
            if (devices.empty() && whyEmpty)
                *whyEmpty = "device " + std::to_string(i) + ": " + explain(perr);
            continue;
        }
        DeviceInfo d;
        d.index = i;
        d.name = prop.name;
        d.totalMemoryBytes = prop.totalGlobalMem;
        d.computeMajor = prop.major;
        d.computeMinor = prop.minor;
        d.smCount = prop.multiProcessorCount;
        char bus[32] = {};
        if (cudaDeviceGetPCIBusId(bus, sizeof bus, i) == cudaSuccess) {
            d.pciBusId = bus;
        } else {
            cudaGetLastError();
        }
        devices.push_back(std::move(d));
    }
    return devices;
}

std::string describe(const DeviceInfo& device) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %d SMs, %.1f GiB, PCI %s)", device.name.c_str(),
                  device.computeMajor, device.computeMinor, device.smCount,
                  static_cast<double>(device.totalMemoryBytes) / (1024.0 * 1024.0 * 1024.0),
                  device.pciBusId.empty() ? "?" : device.pciBusId.c_str());
    return buf;
}

}  // namespace moe::gpu
