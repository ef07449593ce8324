// Shared by the GPU test files: one device probe per process, and the skip that names why, so
// a CPU-only run says "no CUDA device: <reason>" instead of passing silently.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "gpu/device_info.h"

namespace moe::gpu::testing {

// Empty when a device is usable; otherwise the runtime's reason.
inline const std::string& noDeviceReason() {
    static const std::string reason = [] {
        std::string why;
        const auto devices = listDevices(&why);
        return devices.empty() ? (why.empty() ? std::string("unknown reason") : why)
                               : std::string();
    }();
    return reason;
}

}  // namespace moe::gpu::testing

#define MOE_SKIP_WITHOUT_CUDA_DEVICE()                                                   \
    do {                                                                                 \
        if (!::moe::gpu::testing::noDeviceReason().empty()) {                            \
            GTEST_SKIP() << "no CUDA device: " << ::moe::gpu::testing::noDeviceReason(); \
        }                                                                                \
    } while (0)
