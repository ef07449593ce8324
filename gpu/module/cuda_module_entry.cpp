// The module side of cuda_module_api.h: each entry catches what the backend throws and hands
// back a message, since an exception must not unwind through dlopen'ed code into a program
// built separately.
#include <exception>

#include "gpu/cuda_backend.h"
#include "gpu/fallback_backend.h"
#include "gpu/module/cuda_module_api.h"

namespace {

using moe::Backend;

template <typename Start>
std::unique_ptr<Backend> guarded(Start start, std::string* error) {
    try {
        return start();
    } catch (const std::exception& e) {
        if (error) *error = e.what();
    } catch (...) {
        if (error) *error = "unknown error starting the CUDA backend";
    }
    return nullptr;
}

std::unique_ptr<Backend> startBackend(int device, std::string* error) {
    return guarded([&] { return moe::gpu::makeCudaBackend(device); }, error);
}

std::unique_ptr<Backend> startWithFallback(int device,
                                           std::function<void(const std::string&)> notice,
                                           std::string* error) {
    return guarded(
        [&] { return moe::gpu::makeCudaBackendWithCpuFallback(device, std::move(notice)); }, error);
}

std::vector<moe::gpu::DeviceInfo> listDevices(std::string* whyEmpty) {
    try {
        return moe::gpu::listDevices(whyEmpty);
    } catch (const std::exception& e) {
        if (whyEmpty) *whyEmpty = e.what();
    }
    return {};
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const moe::gpu::CudaModuleApi*
moe_cuda_module_api() {
    static const moe::gpu::CudaModuleApi api = [] {
        moe::gpu::CudaModuleApi a;
        a.listDevices = &listDevices;
        a.startBackend = &startBackend;
        a.startBackendWithCpuFallback = &startWithFallback;
        return a;
    }();
    return &api;
}
