// One rank per process: rank 0 reads the workload and every step is broadcast to the others.
// Why not let every process read it? Then a host file would need the trace on every machine,
// G processes on one machine would decompress it G times, and a workload that is costly or not
// replayable (the live trainer) would have to run G times in lockstep. The broadcast costs one
// step of routing ids (L x T x k int32) per step, about 2H times less than the rows the
// all-to-all then moves. Errors on the root (a broken trace line) travel to every rank, so all
// stop with the same message instead of hanging.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/comm/communicator.h"
#include "core/workload/workload.h"

namespace moe {

class BroadcastWorkload final : public Workload {
public:
    using Opener = std::function<std::unique_ptr<Workload>()>;
    // Collective. The root calls `open` (other ranks pass nothing); if it throws, every rank
    // throws CollectiveError with its message. So does next() when the root's read fails.
    BroadcastWorkload(Communicator& comm, const Opener& open, int root = 0);
    ~BroadcastWorkload() override;

    // The root's shape, less the router-input hidden states (not broadcast: the engine makes
    // its own activations, and they would cost H times the ids).
    const WorkloadShape& shape() const override { return shape_; }
    // Collective: the root reads a step and sends it; the others receive it.
    bool next(Step& step) override;
    std::string describe() const override { return describe_; }
    bool isRoot() const { return comm_.rank() == root_; }
    // Root only: tells the other ranks that no step follows (once; a no-op after the end was
    // already sent). Call it whenever the root stops calling next().
    void finish();

private:
    void sendError(const std::string& message);
    Communicator& comm_;
    int root_;
    std::unique_ptr<Workload> source_;
    WorkloadShape shape_;
    std::string describe_;
    bool ended_ = false;
    std::vector<int32_t> experts_, sequenceIds_, positions_, tokenIds_;
    std::vector<float> weights_;
};

}  // namespace moe
