// Discovery must answer on every machine: devices with sane properties where there is a GPU,
// an empty list with a readable reason where there is none (the CI case).
#include "gpu/device_info.h"

#include <gtest/gtest.h>

#include <iostream>

namespace moe::gpu {
namespace {

TEST(DeviceInfo, EmptyListAlwaysComesWithAReason) {
    std::string why;
    std::vector<DeviceInfo> devices;
    ASSERT_NO_THROW(devices = listDevices(&why));
    if (devices.empty()) {
        std::cout << "no CUDA device: " << why << "\n";
        EXPECT_FALSE(why.empty());
    }
    for (const DeviceInfo& d : devices)
        std::cout << "device " << d.index << ": " << describe(d) << "\n";
}

TEST(DeviceInfo, DevicesHaveSaneProperties) {
    std::string why;
    const auto devices = listDevices(&why);
    if (devices.empty()) GTEST_SKIP() << "no CUDA device: " << why;
    for (const DeviceInfo& d : devices) {
        EXPECT_FALSE(d.name.empty());
        EXPECT_GT(d.totalMemoryBytes, 0u);
        EXPECT_GE(d.computeMajor, 7);  // CUDA 13 supports nothing older than Turing
        EXPECT_GT(d.smCount, 0);
        EXPECT_FALSE(d.pciBusId.empty());
    }
}

TEST(DeviceInfo, CallingWithoutReasonIsFine) { EXPECT_NO_THROW(listDevices()); }

}  // namespace
}  // namespace moe::gpu
