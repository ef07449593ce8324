// See cuda_module.h. The module is never closed: backends it made live until the process ends.
#include "app/shared/cuda_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

namespace moe::app {

namespace {

constexpr const char* kModuleFile = "libmoe_cuda.so";

std::filesystem::path programDirectory() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::filesystem::path() : exe.parent_path();
}

std::string modulePath() {
    if (const char* p = std::getenv("MOE_CUDA_MODULE"); p && *p) return p;
    return (programDirectory() / kModuleFile).string();
}

struct Loaded {
    const gpu::CudaModuleApi* api = nullptr;
    std::string why;
};

Loaded open() {
    Loaded r;
    if (!cudaModuleBuilt()) {
        r.why = "not built (nvcc was not found when this build was configured)";
        return r;
    }
    const std::string path = modulePath();
    // RTLD_LOCAL: the module's own copy of the core stays out of the program's symbol lookup.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* err = dlerror();
        r.why = "the CUDA module " + path + " cannot be loaded: " + (err ? err : "unknown error");
        return r;
    }
    using Entry = const gpu::CudaModuleApi* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "moe_cuda_module_api"));
    const gpu::CudaModuleApi* api = entry ? entry() : nullptr;
    if (!api || api->version != gpu::kCudaModuleApiVersion ||
        api->apiSize != sizeof(gpu::CudaModuleApi) ||
        api->deviceInfoSize != sizeof(gpu::DeviceInfo)) {
        r.why = "the CUDA module " + path + " is from another build (interface version " +
                (api ? std::to_string(api->version) : std::string("missing")) + ", expected " +
                std::to_string(gpu::kCudaModuleApiVersion) + ")";
        dlclose(handle);  // nothing of it is in use
        return r;
    }
    r.api = api;
    return r;
}

}  // namespace

bool cudaModuleBuilt() {
#ifdef MOE_CUDA_MODULE_BUILT
    return true;
#else
    return false;
#endif
}

const gpu::CudaModuleApi* cudaModule(std::string* why) {
    static std::once_flag once;
    static Loaded loaded;
    std::call_once(once, [] { loaded = open(); });
    if (!loaded.api && why) *why = loaded.why;
    return loaded.api;
}

}  // namespace moe::app
