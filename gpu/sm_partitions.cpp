// See sm_partitions.h. Driver API: take the device's SM resource, split it by count, make a
// green context of each group and a stream in it; those streams take runtime launches (cuBLAS
// included) like any other stream. The driver library is opened at run time (dlopen), never
// linked: every binary linking moe_gpu must still start on a machine without a GPU driver.
#include "gpu/sm_partitions.h"

#include <cuda.h>
#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <source_location>
#include <string>
#include <type_traits>
#include <vector>

#include "gpu/cuda_error.h"

namespace moe::gpu {
namespace {

// The driver entry points this file uses, resolved from libcuda.so.1 once.
struct Driver {
    decltype(&cuInit) init = nullptr;
    decltype(&cuGetErrorName) errorName = nullptr;
    decltype(&cuGetErrorString) errorString = nullptr;
    decltype(&cuDeviceGet) deviceGet = nullptr;
    decltype(&cuDeviceGetDevResource) getDevResource = nullptr;
    decltype(&cuDevSmResourceSplitByCount) splitByCount = nullptr;
    decltype(&cuDevResourceGenerateDesc) generateDesc = nullptr;
    decltype(&cuGreenCtxCreate) greenCtxCreate = nullptr;
    decltype(&cuGreenCtxDestroy) greenCtxDestroy = nullptr;
    decltype(&cuGreenCtxStreamCreate) greenCtxStreamCreate = nullptr;
    decltype(&cuStreamSynchronize) streamSynchronize = nullptr;
    decltype(&cuStreamDestroy) streamDestroy = nullptr;
    std::string missing;  // why the driver is unusable; empty when all were found
};

const Driver& driver() {
    static const Driver d = [] {
        Driver x;
        void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* e = dlerror();
            x.missing = std::string("cannot open the CUDA driver: ") + (e ? e : "libcuda.so.1");
            return x;
        }
        auto get = [&](auto& fn, const char* name) {
            fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
            if (!fn && x.missing.empty())
                x.missing = std::string("the CUDA driver lacks ") + name +
                            " (too old for green "
                            "contexts)";
        };
        get(x.init, "cuInit");
        get(x.errorName, "cuGetErrorName");
        get(x.errorString, "cuGetErrorString");
        get(x.deviceGet, "cuDeviceGet");
        get(x.getDevResource, "cuDeviceGetDevResource");
        get(x.splitByCount, "cuDevSmResourceSplitByCount");
        get(x.generateDesc, "cuDevResourceGenerateDesc");
        get(x.greenCtxCreate, "cuGreenCtxCreate");
        get(x.greenCtxDestroy, "cuGreenCtxDestroy");
        get(x.greenCtxStreamCreate, "cuGreenCtxStreamCreate");
        get(x.streamSynchronize, "cuStreamSynchronize");
        get(x.streamDestroy, "cuStreamDestroy_v2");
        return x;
    }();
    if (!d.missing.empty()) throw CudaError(d.missing, CudaError::Kind::NoDevice);
    return d;
}

void checkDriver(CUresult r, const char* call,
                 std::source_location at = std::source_location::current()) {
    if (r == CUDA_SUCCESS) return;
    const char* name = nullptr;
    const char* text = nullptr;
    driver().errorName(r, &name);
    driver().errorString(r, &text);
    const auto kind = r == CUDA_ERROR_NO_DEVICE || r == CUDA_ERROR_NOT_INITIALIZED
                          ? CudaError::Kind::NoDevice
                          : (r == CUDA_ERROR_OUT_OF_MEMORY ? CudaError::Kind::OutOfMemory
                                                           : CudaError::Kind::Fault);
    throw CudaError(std::string("CUDA driver: ") + call + " failed: " + (name ? name : "?") + ": " +
                        (text ? text : "?") + " (" +
                        std::filesystem::path(at.file_name()).filename().string() + ":" +
                        std::to_string(at.line()) + ")",
                    kind, at);
}

#define MOE_CU(call) checkDriver((call), #call)

}  // namespace

struct SmPartitions::Impl {
    std::vector<CUgreenCtx> contexts;
    std::vector<CUstream> streams;
    int sms = 0, total = 0;
    // Here rather than in ~SmPartitions, so a constructor that throws half-way (the third
    // green context refused, say) still releases the contexts and streams it made.
    ~Impl() {  // unchecked: destructors must not throw
        if (streams.empty() && contexts.empty()) return;
        const Driver& cu = driver();  // found: something was created with it
        for (CUstream s : streams) {
            cu.streamSynchronize(s);
            cu.streamDestroy(s);
        }
        for (CUgreenCtx c : contexts) cu.greenCtxDestroy(c);
    }
};

SmPartitions::SmPartitions(int device, int parts) : impl_(std::make_unique<Impl>()) {
    if (parts <= 0)
        throw CudaError(
            "SM partitions: need at least one group, asked for " + std::to_string(parts),
            CudaError::Kind::Fault);
    const Driver& cu = driver();
    MOE_CU(cu.init(0));
    CUdevice dev;
    MOE_CU(cu.deviceGet(&dev, device));
    CUdevResource all{};
    MOE_CU(cu.getDevResource(dev, &all, CU_DEV_RESOURCE_TYPE_SM));
    impl_->total = static_cast<int>(all.sm.smCount);
    const unsigned align = std::max(1u, all.sm.smCoscheduledAlignment);
    unsigned per = all.sm.smCount / static_cast<unsigned>(parts) / align * align;
    if (per < std::max(1u, all.sm.minSmPartitionSize))
        throw CudaError("cannot split " + std::to_string(all.sm.smCount) + " SMs into " +
                            std::to_string(parts) + " groups (alignment " + std::to_string(align) +
                            ", minimum " + std::to_string(all.sm.minSmPartitionSize) + ")",
                        CudaError::Kind::Fault);
    std::vector<CUdevResource> groups(parts);
    unsigned made = static_cast<unsigned>(parts);
    CUdevResource rest{};
    MOE_CU(cu.splitByCount(groups.data(), &made, &all, &rest, 0, per));
    if (made < static_cast<unsigned>(parts))
        throw CudaError(
            "the driver made only " + std::to_string(made) + " SM groups of " + std::to_string(per),
            CudaError::Kind::Fault);
    impl_->sms = static_cast<int>(groups[0].sm.smCount);
    for (int i = 0; i < parts; ++i) {
        CUdevResourceDesc desc;
        MOE_CU(cu.generateDesc(&desc, &groups[i], 1));
        CUgreenCtx ctx;
        MOE_CU(cu.greenCtxCreate(&ctx, desc, dev, CU_GREEN_CTX_DEFAULT_STREAM));
        impl_->contexts.push_back(ctx);
        CUstream s;
        MOE_CU(cu.greenCtxStreamCreate(&s, ctx, CU_STREAM_NON_BLOCKING, 0));
        impl_->streams.push_back(s);
    }
}

SmPartitions::~SmPartitions() = default;  // Impl releases the streams and contexts

int SmPartitions::parts() const { return static_cast<int>(impl_->streams.size()); }
int SmPartitions::smsPerPart() const { return impl_->sms; }
void* SmPartitions::stream(int part) const { return impl_->streams.at(part); }
std::string SmPartitions::describe() const {
    return std::to_string(parts()) + " x " + std::to_string(impl_->sms) + " SMs of " +
           std::to_string(impl_->total);
}

}  // namespace moe::gpu
