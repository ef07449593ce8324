// The histogram kernel against its CPU reference. Sizes straddle the block size and include 0,
// expert counts straddle the shared-memory limit (so both kernels run), and the ids are skewed
// the way real routing is, which is what stresses the atomics.
#include "gpu/expert_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "gpu_test_support.h"

namespace moe::gpu {
namespace {

// Zipf-like ids: expert e drawn with weight 1/(e+1), like a router with a few hot experts.
std::vector<std::int32_t> skewedIds(std::size_t n, int experts, std::uint32_t seed) {
    std::vector<double> weights(static_cast<std::size_t>(experts));
    for (int e = 0; e < experts; ++e) weights[static_cast<std::size_t>(e)] = 1.0 / (e + 1);
    std::discrete_distribution<std::int32_t> pick(weights.begin(), weights.end());
    std::mt19937 rng(seed);
    std::vector<std::int32_t> ids(n);
    for (auto& id : ids) id = pick(rng);
    return ids;
}

TEST(ExpertHistogramCpu, CountsInRangeIdsOnly) {
    const std::vector<std::int32_t> ids = {0, 1, 1, 3, -1, 4, 3, 3};
    const auto counts = expertHistogramCpu(ids.data(), ids.size(), 4);
    EXPECT_EQ(counts, (std::vector<std::int64_t>{1, 2, 0, 3}));
}

TEST(ExpertHistogram, RejectsBadArgumentsBeforeTouchingTheDevice) {
    const std::int32_t id = 0;
    EXPECT_THROW(expertHistogram(&id, 1, 0), moe::Error);
    EXPECT_THROW(expertHistogram(nullptr, 5, 8), moe::Error);
    EXPECT_THROW(expertHistogramCpu(&id, 1, -3), moe::Error);
}

// Checks one shape; a loop rather than TEST_P because ctest would put gtest's byte dump of the
// parameter (padding included) into every test name.
void expectMatchesCpu(std::size_t n, int experts) {
    SCOPED_TRACE("n=" + std::to_string(n) + " experts=" + std::to_string(experts));
    const auto ids = skewedIds(n, experts, static_cast<std::uint32_t>(n * 31 + experts));
    const auto gpu = expertHistogram(ids.data(), ids.size(), experts);
    const auto cpu = expertHistogramCpu(ids.data(), ids.size(), experts);
    ASSERT_EQ(gpu.size(), static_cast<std::size_t>(experts));
    EXPECT_EQ(gpu, cpu);
    EXPECT_EQ(std::accumulate(gpu.begin(), gpu.end(), std::int64_t{0}),
              static_cast<std::int64_t>(n));
}

// 256 is the kernel's block size: sizes sit on, just below and just past multiples of it.
TEST(ExpertHistogram, MatchesCpuAcrossSizes) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const std::pair<std::size_t, int> cases[] = {{0, 8},
                                                 {1, 8},
                                                 {255, 8},
                                                 {256, 64},
                                                 {257, 64},
                                                 {1000, 1},
                                                 {4096 * 8 + 3, 128},
                                                 {(1u << 20) + 17, 256},
                                                 {3000, 1024}};
    for (const auto& [n, experts] : cases) expectMatchesCpu(n, experts);
}

// 20000 experts (80 KB of counters) exceed the default 48 KB of shared memory per block, so
// this takes the global-atomics kernel.
TEST(ExpertHistogram, MatchesCpuWithTooManyExpertsForSharedMemory) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    expectMatchesCpu(100003, 20000);
}

TEST(ExpertHistogram, SkipsOutOfRangeIdsLikeTheReference) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    std::vector<std::int32_t> ids = skewedIds(5000, 16, 7);
    for (std::size_t i = 0; i < ids.size(); i += 7) ids[i] = (i % 2) ? -1 : 16;
    EXPECT_EQ(expertHistogram(ids.data(), ids.size(), 16),
              expertHistogramCpu(ids.data(), ids.size(), 16));
}

}  // namespace
}  // namespace moe::gpu
