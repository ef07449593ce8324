// The reference backend: float32 on the CPU, matrix products through Eigen (multithreaded with
// OpenMP). Threads per call follow the calling thread's OpenMP setting, so each in-process
// rank can be given its own share of the cores (see engine/rank_runner).
#pragma once

#include "core/model/backend.h"

namespace moe {

class CpuBackend final : public Backend {
public:
    std::string name() const override { return "cpu"; }
    void gateTopK(const GateArgs& args) override;
    void expertHistogram(const int32_t* ids, size_t n, int experts, int64_t* counts) override;
    void expertFfn(const FfnArgs& args) override;
    // Experts with at least 1/threads of the rows run one after another, each product on all
    // of the calling thread's threads; the rest run side by side, one expert per thread, so
    // the many small products of a skewed or decode-sized step pay no fork/join each.
    void expertFfnGroup(const FfnGroupArgs& args) override;
};

// CpuBackend::expertFfn's path past kernels::smallBatchWins, on the float weights through
// Eigen's products: out (rows x H) = (silu(x w1) .* (x w3)) w2, with `gate` and `up` scratch of
// rows x F floats each (aligned as Eigen aligns). Also what bench_expert_call compares with.
void gemmExpertFfn(const float* x, int rows, int H, int F, const ExpertWeights& w, float* gate,
                   float* up, float* out);

// Sets how many threads the matrix products of the calling thread may use.
void setComputeThreadsForThisThread(int threads);

}  // namespace moe
