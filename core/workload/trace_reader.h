// Streaming reader of routing traces in the GPT-OSS format: one line per token,
// `seq_id<TAB>pos<TAB>ids...` with layers x top_k expert ids, layer-major. It validates every
// line as it goes (ids, ranges, duplicates, sequence order) so that nothing downstream has to
// distrust a trace, and it reports problems as "file:line: problem".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/workload/chunked_gzip_reader.h"
#include "core/workload/trace_shape.h"

namespace moe {

// One token of a trace. `experts` views the reader's buffer and is valid until the next read.
struct TraceRecord {
    int64_t line = 0;  // 1-based line in the file
    int32_t sequenceId = 0;
    int32_t position = 0;
    std::span<const int32_t> experts;  // layers * topK ids: experts[l * topK + j]
};

class TraceReader {
public:
    // Opens the trace (gzip, or plain when the name does not end in .gz). Throws moe::Error.
    TraceReader(std::string path, const TraceShape& shape);

    // Reads and validates the next token; false at the end of the file. Throws moe::Error
    // naming the file and line on any malformed input.
    bool next(TraceRecord& record);

    const TraceShape& shape() const { return shape_; }
    const std::string& path() const { return path_; }
    int64_t linesRead() const { return line_; }

private:
    bool fetchLine(const char*& begin, const char*& end);
    void parseLine(const char* p, const char* end, TraceRecord& record);
    void checkIds(const int32_t* ids);
    void checkSequence(TraceRecord& record);
    [[noreturn]] void fail(const std::string& problem) const;

    std::string path_;
    TraceShape shape_;
    ChunkedGzipReader source_;
    const char* cursor_ = nullptr;
    const char* chunkEnd_ = nullptr;
    int64_t line_ = 0;
    std::vector<int32_t> ids_;

    // Sequence contiguity: the current sequence, its last position, and the ones already ended.
    bool inSequence_ = false;
    int32_t sequence_ = 0;
    int32_t lastPosition_ = 0;
    std::unordered_set<int32_t> endedSequences_;
};

}  // namespace moe
