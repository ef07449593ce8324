// One MoE layer executed across ranks, expert-parallel: each rank routes its own share of the
// tokens, sends each (token, expert) row to a rank holding that expert (splitting a replicated
// expert's rows evenly across its replicas), runs the experts it holds on what it received,
// and gets the results back to combine. Runs on every rank's thread with that rank's
// communicator; the result must equal the single-rank MoeLayer.
#pragma once

#include <cstdint>
#include <vector>

#include "core/balance/placement.h"
#include "core/comm/communicator.h"
#include "core/model/backend.h"

namespace moe {

struct RankLayerStats {
    int64_t rowsProcessed = 0;  // (token, expert) rows this rank's experts computed
    int64_t rowsSent = 0;       // rows this rank sent to other ranks
    double busySeconds = 0;     // time in this rank's expert FFNs (see BusyClock)
};

// How busy time is measured: the rank thread's CPU time when each rank computes on one
// thread (honest even when more ranks than cores share the machine), else wall time.
enum class BusyClock { ThreadCpu, Wall };

struct LayerInputs {
    const MoeLayerConfig* config = nullptr;
    const LayerWeights* weights = nullptr;
    const Placement* placement = nullptr;
    int layer = 0;
    const float* x = nullptr;            // this rank's tokens x H
    int tokens = 0;                      // this rank's token count
    const int32_t* forcedIds = nullptr;  // this rank's tokens x k, or nullptr
    BusyClock clock = BusyClock::ThreadCpu;
};

struct LayerOutputs {
    float* y = nullptr;                  // this rank's tokens x H
    std::vector<int64_t>* globalCounts;  // E: pairs per expert over all ranks (before drops)
    int64_t* droppedGlobal = nullptr;    // pairs dropped over all ranks
    RankLayerStats* stats = nullptr;
};

// Per-rank scratch reused across layers and steps. Peers may still read this rank's results and
// receive lists after forward returns, until the rank's next collective returns: keep the layer
// alive until then, or until every rank's forward has returned. `LayerInputs::x` is free to
// change once forward returns.
class ExpertParallelLayer {
public:
    ExpertParallelLayer(Communicator& comm, Backend& backend) : comm_(comm), backend_(backend) {}
    void forward(const LayerInputs& in, const LayerOutputs& out);

private:
    void forwardUnguarded(const LayerInputs& in, const LayerOutputs& out);
    long long route(const LayerInputs& in, const LayerOutputs& out);  // returns the capacity
    void planSends(const LayerInputs& in);
    void countReceives(const LayerInputs& in, long long capacity);
    void placeReceives(int experts);
    void computeExperts(const LayerInputs& in, RankLayerStats& stats);
    Communicator& comm_;
    Backend& backend_;
    std::vector<int32_t> ids_, destOfPair_, sendKey_;
    std::vector<float> weights_, expertIn_, expertOut_, returnRows_;
    std::vector<int32_t> sendPair_;   // pair index of each sent row, in send order
    std::vector<int32_t> sendToken_;  // its token (row of the activations)
    std::vector<size_t> sendStart_;   // first sent row for each destination rank, plus the end
    std::vector<int> recvCountBySourceExpert_;  // rows from each source rank, per expert
    std::vector<int> expertOffsets_;  // received rows of expert e: [offsets[e], offsets[e + 1])
    std::vector<int32_t> recvIndex_;  // where each received row goes, in arrival order
    std::vector<size_t> recvStart_;   // first received row from each source rank, plus the end
    std::vector<int64_t> localCounts_, allCounts_;
    std::vector<int64_t> totals_;  // pairs per expert over all ranks, from the gathered counts
};

}  // namespace moe
