// See device_memory.h.
#include "gpu/device_memory.h"

#include <utility>

#include "gpu/cuda_check.h"

namespace moe::gpu {

DeviceBuffer::DeviceBuffer(size_t bytes, int device) : bytes_(bytes) {
    if (device >= 0) MOE_CUDA(cudaSetDevice(device));
    MOE_CUDA(cudaMalloc(&ptr_, bytes > 0 ? bytes : 1));
}

DeviceBuffer::~DeviceBuffer() { cudaFree(ptr_); }  // unchecked: destructors must not throw

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
        cudaFree(ptr_);
        ptr_ = std::exchange(other.ptr_, nullptr);
        bytes_ = std::exchange(other.bytes_, 0);
    }
    return *this;
}

void DeviceBuffer::upload(const void* host, size_t bytes) {
    if (bytes > bytes_)
        throw Error("device buffer: upload of " + std::to_string(bytes) + " bytes into " +
                    std::to_string(bytes_));
    if (bytes == 0) return;
    MOE_CUDA(cudaMemcpy(ptr_, host, bytes, cudaMemcpyHostToDevice));
    // From pageable memory cudaMemcpy may return once the data is staged, before the DMA has
    // landed; the layers' non-blocking streams do not wait for the default stream, so a kernel
    // launched on one right away could read the old bytes. Wait for the copy itself.
    MOE_CUDA(cudaStreamSynchronize(nullptr));
}

void DeviceBuffer::download(void* host, size_t bytes) const {
    if (bytes > bytes_)
        throw Error("device buffer: download of " + std::to_string(bytes) + " bytes from " +
                    std::to_string(bytes_));
    if (bytes) MOE_CUDA(cudaMemcpy(host, ptr_, bytes, cudaMemcpyDeviceToHost));
}

void DeviceBuffer::poison(unsigned char byte) {
    MOE_CUDA(cudaMemset(ptr_, byte, bytes_ > 0 ? bytes_ : 1));
    MOE_CUDA(cudaDeviceSynchronize());
}

}  // namespace moe::gpu
