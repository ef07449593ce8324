// Device memory behind a CUDA-free header, for the tests and benchmarks that drive the
// device-resident layer op by op: allocate, upload, download, poison (fill every byte, so an
// op that leaves an output element unwritten shows up as a NaN or a wild value).
#pragma once

#include <cstddef>
#include <vector>

namespace moe::gpu {

class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(size_t bytes, int device = -1);  // -1: the current device
    ~DeviceBuffer();
    DeviceBuffer(DeviceBuffer&& other) noexcept;
    DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    void* get() const { return ptr_; }
    template <typename T>
    T* as() const {
        return static_cast<T*>(ptr_);
    }
    size_t bytes() const { return bytes_; }
    // Synchronous copies on the default stream: complete when they return. They do not wait
    // for work on non-blocking streams (a layer's): synchronise that first before a download.
    void upload(const void* host, size_t bytes);
    void download(void* host, size_t bytes) const;
    void poison(unsigned char byte = 0xff);  // 0xff..: NaN in float and in bf16

    template <typename T>
    static DeviceBuffer from(const std::vector<T>& host) {
        DeviceBuffer b(host.size() * sizeof(T));
        b.upload(host.data(), host.size() * sizeof(T));
        return b;
    }
    template <typename T>
    std::vector<T> to(size_t count) const {
        std::vector<T> host(count);
        download(host.data(), count * sizeof(T));
        return host;
    }

private:
    void* ptr_ = nullptr;
    size_t bytes_ = 0;
};

}  // namespace moe::gpu
