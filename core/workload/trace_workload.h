// Replays a routing trace as a Workload, batching its tokens into Steps the way a server would.
// It owns the trace reader and the step buffers; Steps handed out are views into them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/workload/batching.h"
#include "core/workload/trace_reader.h"
#include "core/workload/trace_sequence_reader.h"
#include "core/workload/workload.h"

namespace moe {

struct TraceWorkloadOptions {
    std::string path;
    TraceShape shape;  // resolved already (flags or sidecar)
    Batching batching = Batching::Continuous;
    int tokensPerStep = 4096;  // Tokens mode
    int batch = 64;            // Continuous mode: sequences in flight
    int64_t maxSteps = 0;      // 0 = the whole trace
};

class TraceWorkload : public Workload {
public:
    // Opens the trace; throws moe::Error on a bad file or option.
    explicit TraceWorkload(const TraceWorkloadOptions& options);

    const WorkloadShape& shape() const override { return shape_; }
    bool next(Step& step) override;
    std::string describe() const override;

private:
    // A sequence in flight (continuous mode) and how far it has got.
    struct Slot {
        SequenceBuffer sequence;
        int cursor = 0;
        bool active = false;
    };

    bool gatherTokens();
    bool gatherSequence();
    bool gatherContinuous();
    bool gatherRecorded();
    int64_t stageLines(int64_t want);
    void addToken(const int32_t* row, int32_t sequenceId, int32_t position);
    void fillStep(Step& step);

    TraceWorkloadOptions options_;
    WorkloadShape shape_;
    int idsPerToken_ = 0;
    TraceReader reader_;
    TraceSequenceReader sequences_;
    int64_t stepIndex_ = 0;
    bool started_ = false;

    // Tokens and recorded modes stage rows here; sequence mode reads into `sequence_`; continuous
    // mode keeps one buffer per slot. Each step is then transposed from token-major rows into
    // `experts_`.
    std::vector<int32_t> staged_;
    SequenceBuffer sequence_;
    std::vector<Slot> slots_;
    std::vector<const int32_t*> rows_;

    std::vector<int32_t> experts_;
    std::vector<int32_t> sequenceIds_;
    std::vector<int32_t> positions_;
};

}  // namespace moe
