// What CUDA devices this process can use, in plain C++ so the CLI, the GUI and the tests can
// ask without including CUDA headers. No device (or no driver) is an ordinary answer with a
// reason attached, never an abort: the workbench runs on CPU machines too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::gpu {

struct DeviceInfo {
    int index = 0;     // the CUDA device ordinal
    std::string name;  // e.g. "NVIDIA H100 80GB HBM3"
    std::uint64_t totalMemoryBytes = 0;
    int computeMajor = 0;  // compute capability, 9.0 on H100/H200
    int computeMinor = 0;
    int smCount = 0;
    std::string pciBusId;  // "0000:3b:00.0": ties a device to nvidia-smi's rows
};

// The devices the runtime sees. When the list is empty and `whyEmpty` is given, it receives a
// sentence a user can act on (e.g. "cudaErrorNoDevice: no CUDA-capable device is detected").
std::vector<DeviceInfo> listDevices(std::string* whyEmpty = nullptr);

// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB, PCI 0000:3b:00.0)"
std::string describe(const DeviceInfo& device);

}  // namespace moe::gpu
