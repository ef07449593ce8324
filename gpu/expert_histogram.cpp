// Host side of the expert histogram: argument checks, device buffers, copies, and turning
// CUDA errors into moe::Error. Kept out of the .cu file so nvcc only sees the kernel.
#include "gpu/expert_histogram.h"

#include <algorithm>
#include <source_location>
#include <string>

#include "core/common/error.h"
#include "gpu/cuda_check.h"
#include "gpu/kernels/expert_histogram_kernel.cuh"

namespace moe::gpu {

namespace {

void check(cudaError_t err, const char* what,
           std::source_location at = std::source_location::current()) {
    checkCuda(err, what, at);  // CudaError with the call and the caller's file:line
}

// Owns one cudaMalloc'd buffer, so an exception between allocation and copy-back leaks nothing.
template <typename T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(std::size_t count) {
        check(cudaMalloc(reinterpret_cast<void**>(&ptr_),
                         std::max<std::size_t>(count, 1) * sizeof(T)),
              "cudaMalloc");
    }
    ~DeviceBuffer() { cudaFree(ptr_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    T* get() const { return ptr_; }

private:
    T* ptr_ = nullptr;
};

void checkArguments(const std::int32_t* ids, std::size_t n, int experts) {
    if (experts <= 0) {
        throw Error("expert histogram: the number of experts must be positive, got " +
                    std::to_string(experts));
    }
    if (n > 0 && ids == nullptr) throw Error("expert histogram: null ids with n > 0");
}

}  // namespace

std::vector<std::int64_t> expertHistogramCpu(const std::int32_t* ids, std::size_t n, int experts) {
    checkArguments(ids, n, experts);
    std::vector<std::int64_t> counts(static_cast<std::size_t>(experts), 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (ids[i] >= 0 && ids[i] < experts) ++counts[static_cast<std::size_t>(ids[i])];
    }
    return counts;
}

std::vector<std::int64_t> expertHistogram(const std::int32_t* hostIds, std::size_t n, int experts) {
    checkArguments(hostIds, n, experts);
    const auto e = static_cast<std::size_t>(experts);
    std::vector<std::int64_t> result(e, 0);

    int device = 0;
    check(cudaGetDevice(&device), "cudaGetDevice");
    int sms = 0;
    int sharedPerBlock = 0;
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
          "cudaDeviceGetAttribute(SM count)");
    check(cudaDeviceGetAttribute(&sharedPerBlock, cudaDevAttrMaxSharedMemoryPerBlock, device),
          "cudaDeviceGetAttribute(shared memory)");

    DeviceBuffer<std::int32_t> ids(n);
    DeviceBuffer<unsigned long long> counts(e);
    if (n > 0) {
        check(cudaMemcpy(ids.get(), hostIds, n * sizeof(std::int32_t), cudaMemcpyHostToDevice),
              "cudaMemcpy(ids to device)");
    }
    check(cudaMemset(counts.get(), 0, e * sizeof(unsigned long long)), "cudaMemset");

    // A few blocks per SM keep every SM busy; more would only add shared-memory flushes.
    const std::size_t wanted = (n + kernels::kHistogramBlock - 1) / kernels::kHistogramBlock;
    const int blocks = static_cast<int>(
        std::clamp<std::size_t>(wanted, 1, static_cast<std::size_t>(std::max(sms, 1)) * 4));
    check(kernels::launchExpertHistogram(ids.get(), n, experts, counts.get(), blocks,
                                         static_cast<std::size_t>(sharedPerBlock), nullptr),
          "kernel launch");

    std::vector<unsigned long long> host(e);
    check(cudaMemcpy(host.data(), counts.get(), e * sizeof(unsigned long long),
                     cudaMemcpyDeviceToHost),
          "cudaMemcpy(counts to host)");
    std::copy(host.begin(), host.end(), result.begin());
    return result;
}

}  // namespace moe::gpu
