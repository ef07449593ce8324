// See fallback_backend.h. The ops are pure functions of their arguments (host pointers in and
// out), so an op that failed half-way on the GPU is simply run again on the CPU.
#include "gpu/fallback_backend.h"

#include "core/model/cpu_backend.h"
#include "gpu/cuda_backend.h"
#include "gpu/cuda_error.h"

namespace moe::gpu {
namespace {

class FallbackBackend final : public Backend {
public:
    FallbackBackend(std::unique_ptr<Backend> gpu, FallbackNotice notice)
        : gpu_(std::move(gpu)), notice_(std::move(notice)) {}

    std::string name() const override {
        return gpu_ ? gpu_->name() : "cpu (fell back from cuda: " + reason_ + ")";
    }
    void gateTopK(const GateArgs& a) override {
        run([&](Backend& b) { b.gateTopK(a); });
    }
    void expertHistogram(const int32_t* ids, size_t n, int experts, int64_t* counts) override {
        run([&](Backend& b) { b.expertHistogram(ids, n, experts, counts); });
    }
    void expertFfn(const FfnArgs& a) override {
        run([&](Backend& b) { b.expertFfn(a); });
    }

private:
    template <typename Op>
    void run(const Op& op) {
        if (gpu_) {
            try {
                op(*gpu_);
                return;
            } catch (const CudaError& e) {
                reason_ = e.what();
                gpu_.reset();  // the context may be unusable after a fault; never go back
                if (notice_) notice_(reason_ + "; continuing on the CPU");
            }
        }
        op(cpu_);
    }
    std::unique_ptr<Backend> gpu_;
    CpuBackend cpu_;
    FallbackNotice notice_;
    std::string reason_;
};

}  // namespace

std::unique_ptr<Backend> makeCudaBackendWithCpuFallback(int device, FallbackNotice notice) {
    return std::make_unique<FallbackBackend>(makeCudaBackend(device), std::move(notice));
}

}  // namespace moe::gpu
