// Reads a trace one whole sequence at a time. Sequence and continuous batching need every token
// of a sequence before (or while) it is in flight; the trace is sequence-contiguous, so one
// token of look-ahead is enough and memory stays bounded by the longest sequence.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/workload/trace_reader.h"

namespace moe {

// The tokens of one sequence, token-major: rows[t * idsPerToken + l * topK + j].
struct SequenceBuffer {
    int32_t sequenceId = 0;
    int32_t firstPosition = 0;
    int tokens = 0;
    std::vector<int32_t> rows;

    std::span<const int32_t> row(int t, int idsPerToken) const {
        return {rows.data() + static_cast<size_t>(t) * idsPerToken,
                static_cast<size_t>(idsPerToken)};
    }
};

class TraceSequenceReader {
public:
    explicit TraceSequenceReader(TraceReader& reader);

    // Fills `out` with the next whole sequence (reusing its storage); false at the end.
    bool next(SequenceBuffer& out);

private:
    TraceReader& reader_;
    int idsPerToken_;
    bool hasPending_ = false;  // the first token of the next sequence, already read
    bool finished_ = false;
    int32_t pendingSequence_ = 0;
    int32_t pendingPosition_ = 0;
    std::vector<int32_t> pendingIds_;
};

}  // namespace moe
