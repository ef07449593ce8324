// The GPU suite's main: probes for a device once. Without one, only GpuSuite.DeviceProbe runs
// (and skips, printing the runtime's reason), so a CPU-only test run spends about a second here
// instead of starting hundreds of test processes that each load CUDA only to skip. With a
// device every test runs. MOE_GPU_TESTS_ALL=1 lists them all even without a device.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "gpu_test_support.h"

namespace {

TEST(GpuSuite, DeviceProbe) {
    const std::string& why = moe::gpu::testing::noDeviceReason();
    if (!why.empty())
        GTEST_SKIP() << "no CUDA device: " << why << "; the GPU suite's "
                     << ::testing::UnitTest::GetInstance()->total_test_count() - 1
                     << " other tests are not run";
    std::string reason;
    EXPECT_FALSE(moe::gpu::listDevices(&reason).empty()) << reason;
}

}  // namespace

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const char* all = std::getenv("MOE_GPU_TESTS_ALL");
    if (!moe::gpu::testing::noDeviceReason().empty() && !(all && std::string(all) == "1"))
        GTEST_FLAG_SET(filter, "GpuSuite.DeviceProbe");
    return RUN_ALL_TESTS();
}
