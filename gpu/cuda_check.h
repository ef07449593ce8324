// Private to moe_gpu: every CUDA runtime, cuBLAS and NCCL call goes through one of these, so a
// failure throws CudaError naming the call, the library's message and the file:line of the call.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <source_location>

#include "gpu/cuda_error.h"

namespace moe::gpu {

void checkCuda(cudaError_t status, const char* call,
               std::source_location at = std::source_location::current());
void checkCublas(cublasStatus_t status, const char* call,
                 std::source_location at = std::source_location::current());

}  // namespace moe::gpu

// The call's text is the message's subject: "cudaMalloc(&p, n) failed: ..." at file:line.
#define MOE_CUDA(call) ::moe::gpu::checkCuda((call), #call)
#define MOE_CUBLAS(call) ::moe::gpu::checkCublas((call), #call)
