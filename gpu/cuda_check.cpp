// See cuda_check.h. A failed runtime call may leave a non-sticky error behind; it is cleared
// so the next call does not report it again.
#include "gpu/cuda_check.h"

#include <filesystem>
#include <string>

namespace moe::gpu {
namespace {

std::string where(const std::source_location& at) {
    return std::filesystem::path(at.file_name()).filename().string() + ":" +
           std::to_string(at.line());
}

}  // namespace

void checkCuda(cudaError_t status, const char* call, std::source_location at) {
    if (status == cudaSuccess) return;
    cudaGetLastError();
    CudaError::Kind kind = CudaError::Kind::Fault;
    if (status == cudaErrorMemoryAllocation)
        kind = CudaError::Kind::OutOfMemory;
    else if (status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver ||
             status == cudaErrorInvalidDevice || status == cudaErrorCallRequiresNewerDriver)
        kind = CudaError::Kind::NoDevice;
    throw CudaError(std::string("CUDA: ") + call + " failed: " + cudaGetErrorName(status) + ": " +
                        cudaGetErrorString(status) + " (" + where(at) + ")",
                    kind, at);
}

void checkCublas(cublasStatus_t status, const char* call, std::source_location at) {
    if (status == CUBLAS_STATUS_SUCCESS) return;
    const auto kind = status == CUBLAS_STATUS_ALLOC_FAILED ? CudaError::Kind::OutOfMemory
                                                           : CudaError::Kind::Fault;
    throw CudaError(std::string("cuBLAS: ") + call + " failed: " + cublasGetStatusName(status) +
                        ": " + cublasGetStatusString(status) + " (" + where(at) + ")",
                    kind, at);
}

}  // namespace moe::gpu
