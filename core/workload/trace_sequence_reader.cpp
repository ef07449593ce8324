// Groups trace tokens into sequences with one token of look-ahead.
#include "core/workload/trace_sequence_reader.h"

#include <algorithm>

namespace moe {

TraceSequenceReader::TraceSequenceReader(TraceReader& reader)
    : reader_(reader), idsPerToken_(reader.shape().idsPerToken()) {
    pendingIds_.resize(static_cast<size_t>(idsPerToken_));
}

bool TraceSequenceReader::next(SequenceBuffer& out) {
    TraceRecord record;
    if (!hasPending_) {
        if (finished_ || !reader_.next(record)) {
            finished_ = true;
            return false;
        }
        pendingSequence_ = record.sequenceId;
        pendingPosition_ = record.position;
        std::copy(record.experts.begin(), record.experts.end(), pendingIds_.begin());
    }
    out.sequenceId = pendingSequence_;
    out.firstPosition = pendingPosition_;
    out.tokens = 1;
    out.rows.assign(pendingIds_.begin(), pendingIds_.end());
    hasPending_ = false;
    while (reader_.next(record)) {
        if (record.sequenceId != out.sequenceId) {
            hasPending_ = true;
            pendingSequence_ = record.sequenceId;
            pendingPosition_ = record.position;
            std::copy(record.experts.begin(), record.experts.end(), pendingIds_.begin());
            return true;
        }
        out.rows.insert(out.rows.end(), record.experts.begin(), record.experts.end());
        ++out.tokens;
    }
    finished_ = true;
    return true;
}

}  // namespace moe
