// Host side of the CUDA backend: device buffers that grow and are reused, a cuBLAS handle in
// strict FP32 (no TF32, so results are comparable with the CPU oracle), expert weights uploaded
// once and cached by host address (weights are immutable during a run), CUDA errors turned into
// moe::Error.
#include "gpu/cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <source_location>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/error.h"
#include "gpu/cuda_check.h"
#include "gpu/device_info.h"
#include "gpu/kernels/expert_histogram_kernel.cuh"
#include "gpu/kernels/moe_ops_kernels.cuh"

namespace moe::gpu {
namespace {

// Every call checked: a failure throws CudaError with the call and the file:line of the caller
// (so the CLI can tell a GPU failure, and fall back to the CPU, from bad input).
void check(cudaError_t err, const char* what,
           std::source_location at = std::source_location::current()) {
    checkCuda(err, what, at);
}

void checkBlas(cublasStatus_t s, const char* what,
               std::source_location at = std::source_location::current()) {
    checkCublas(s, what, at);
}

// A device buffer that only grows.
template <typename T>
class Scratch {
public:
    ~Scratch() { cudaFree(ptr_); }  // unchecked: a destructor must not throw
    T* get(size_t count) {
        if (count > capacity_) {
            cudaFree(ptr_);
            ptr_ = nullptr;
            check(
                cudaMalloc(reinterpret_cast<void**>(&ptr_), std::max<size_t>(count, 1) * sizeof(T)),
                "cudaMalloc");
            capacity_ = count;
        }
        return ptr_;
    }

private:
    T* ptr_ = nullptr;
    size_t capacity_ = 0;
};

class CudaBackend final : public Backend {
public:
    explicit CudaBackend(int device) : device_(device) {
        int count = 0;
        check(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
        if (device < 0 || device >= count)
            throw CudaError("CUDA backend: no device " + std::to_string(device) + " (" +
                                std::to_string(count) + " present)",
                            CudaError::Kind::NoDevice);
        check(cudaSetDevice(device), "cudaSetDevice");
        for (const auto& d : listDevices())
            if (d.index == device) name_ = "cuda " + describe(d);
        checkBlas(cublasCreate(&blas_), "cublasCreate");
        checkBlas(cublasSetMathMode(blas_, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
    }
    ~CudaBackend() override {
        for (auto& [host, dev] : weights_) cudaFree(dev);
        cublasDestroy(blas_);
    }

    std::string name() const override { return name_; }

    void gateTopK(const GateArgs& a) override {
        useDevice();
        const MoeLayerConfig& c = *a.config;
        const size_t T = a.tokens, H = c.hidden, E = c.experts, k = c.topK;
        if (T == 0) return;
        // The host contract: forced ids out of range are an error. Checked before the launch,
        // which must never see them (and the CPU backend throws before any work too).
        if (a.forcedIds)
            for (size_t i = 0; i < T * k; ++i)
                if (a.forcedIds[i] < 0 || a.forcedIds[i] >= static_cast<int32_t>(E))
                    throw Error("forced routing names expert " + std::to_string(a.forcedIds[i]) +
                                " but the layer has " + std::to_string(E) + " experts");
        float* x = upload(xBuf_, a.x, T * H);
        const float* gate = cachedWeights(a.gate, H * E);
        float* logits = logitsBuf_.get(T * E);
        matmul(x, gate, logits, static_cast<int>(T), static_cast<int>(H), static_cast<int>(E));
        const int32_t* forced = a.forcedIds ? upload(forcedBuf_, a.forcedIds, T * k) : nullptr;
        int32_t* ids = idsBuf_.get(T * k);
        float* w = weightsBuf_.get(T * k);
        check(kernels::launchScoreTopK(logits, static_cast<int>(T), static_cast<int>(E),
                                       static_cast<int>(k), c.score == ScoreFunction::Sigmoid,
                                       c.renormalize, forced, ids, w, nullptr),
              "score/top-k kernel");
        check(cudaMemcpy(a.outIds, ids, T * k * sizeof(int32_t), cudaMemcpyDeviceToHost),
              "copy ids");
        check(cudaMemcpy(a.outWeights, w, T * k * sizeof(float), cudaMemcpyDeviceToHost),
              "copy weights");
    }

    void expertHistogram(const int32_t* ids, size_t n, int experts, int64_t* counts) override {
        useDevice();
        for (size_t i = 0; i < n; ++i)
            if (ids[i] < 0 || ids[i] >= experts)
                throw Error("expert id " + std::to_string(ids[i]) + " out of range 0.." +
                            std::to_string(experts - 1));
        if (n == 0) return;
        int32_t* dIds = upload(forcedBuf_, ids, n);
        unsigned long long* dCounts = countBuf_.get(experts);
        check(cudaMemset(dCounts, 0, experts * sizeof(unsigned long long)), "cudaMemset");
        const int blocks = static_cast<int>(
            std::min<size_t>((n + kernels::kHistogramBlock - 1) / kernels::kHistogramBlock, 1024));
        check(kernels::launchExpertHistogram(dIds, n, experts, dCounts, blocks, 48 * 1024, nullptr),
              "histogram kernel");
        std::vector<unsigned long long> host(experts);
        check(cudaMemcpy(host.data(), dCounts, experts * sizeof(unsigned long long),
                         cudaMemcpyDeviceToHost),
              "copy counts");
        for (int e = 0; e < experts; ++e) counts[e] += static_cast<int64_t>(host[e]);
    }

    void expertFfn(const FfnArgs& a) override {
        useDevice();
        if (a.rows == 0) return;
        const size_t R = a.rows, H = a.hidden, F = a.ffn;
        float* x = upload(xBuf_, a.x, R * H);
        const float* w1 = cachedWeights(a.weights->w1.data(), H * F);
        const float* w3 = cachedWeights(a.weights->w3.data(), H * F);
        const float* w2 = cachedWeights(a.weights->w2.data(), F * H);
        float* g = gateBuf_.get(R * F);
        float* u = upBuf_.get(R * F);
        float* y = yBuf_.get(R * H);
        matmul(x, w1, g, a.rows, a.hidden, a.ffn);
        matmul(x, w3, u, a.rows, a.hidden, a.ffn);
        check(kernels::launchSwiGlu(g, u, static_cast<long long>(R * F), nullptr), "SwiGLU kernel");
        matmul(g, w2, y, a.rows, a.ffn, a.hidden);
        check(cudaMemcpy(a.out, y, R * H * sizeof(float), cudaMemcpyDeviceToHost),
              "copy FFN output");
    }

private:
    // The current device is per host thread, and in-process ranks call from their own threads.
    void useDevice() { check(cudaSetDevice(device_), "cudaSetDevice"); }

    // Row-major C (m x n) = A (m x k) * B (k x n), as cuBLAS's column-major C^T = B^T A^T.
    void matmul(const float* A, const float* B, float* C, int m, int k, int n) {
        const float one = 1.0f, zero = 0.0f;
        checkBlas(
            cublasSgemm(blas_, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &one, B, n, A, k, &zero, C, n),
            "cublasSgemm");
    }

    template <typename T>
    T* upload(Scratch<T>& buf, const T* host, size_t count) {
        T* dev = buf.get(count);
        check(cudaMemcpy(dev, host, count * sizeof(T), cudaMemcpyHostToDevice), "copy to device");
        return dev;
    }

    const float* cachedWeights(const float* host, size_t count) {
        auto it = weights_.find(host);
        if (it != weights_.end()) return it->second;
        float* dev = nullptr;
        check(cudaMalloc(reinterpret_cast<void**>(&dev), count * sizeof(float)),
              "cudaMalloc weights");
        check(cudaMemcpy(dev, host, count * sizeof(float), cudaMemcpyHostToDevice), "copy weights");
        weights_.emplace(host, dev);
        return dev;
    }

    int device_ = 0;
    std::string name_ = "cuda";
    cublasHandle_t blas_ = nullptr;
    std::unordered_map<const float*, float*> weights_;
    Scratch<float> xBuf_, logitsBuf_, weightsBuf_, gateBuf_, upBuf_, yBuf_;
    Scratch<int32_t> forcedBuf_, idsBuf_;
    Scratch<unsigned long long> countBuf_;
};

}  // namespace

std::unique_ptr<Backend> makeCudaBackend(int device) {
    return std::make_unique<CudaBackend>(device);
}

}  // namespace moe::gpu
