// The hot path of trace replay: a hand-written integer parser over the raw chunk bytes, with
// no per-line allocation, so that parsing keeps pace with inflate on the other thread.
#include "core/workload/trace_reader.h"

#include <algorithm>
#include <cstring>

#include "core/common/error.h"
#include "core/common/resource_limits.h"

namespace moe {

namespace {

inline bool isSeparator(char c) { return c == ' ' || c == '\t'; }

inline const char* skipSeparators(const char* p, const char* end) {
    while (p < end && isSeparator(*p)) ++p;
    return p;
}

// As skipSeparators, counting the tabs passed into `tabs`. Fields are tab-separated (the ids
// within one may be split by spaces), so a run of separators holding two tabs means an empty
// field between them, which a plain skip would silently close up and so misread the line.
inline const char* skipSeparatorsCountingTabs(const char* p, const char* end, int& tabs) {
    tabs = 0;
    while (p < end && isSeparator(*p)) tabs += *p++ == '\t';
    return p;
}

inline const char* fieldEnd(const char* p, const char* end) {
    while (p < end && !isSeparator(*p)) ++p;
    return p;
}

// Parses a non-negative int32 that must fill the whole field [p, end of field).
// Returns the end of the field, or nullptr when the field is not such a number.
inline const char* parseField(const char* p, const char* end, int64_t& value) {
    const char* start = p;
    uint64_t v = 0;
    while (p < end && static_cast<unsigned>(*p - '0') < 10u) {
        v = v * 10 + static_cast<unsigned>(*p - '0');
        ++p;
        if (p - start > 10) return nullptr;  // more digits than any int32
    }
    if (p == start || (p < end && !isSeparator(*p)) || v > INT32_MAX) return nullptr;
    value = static_cast<int64_t>(v);
    return p;
}

std::string fieldText(const char* p, const char* end) {
    const char* e = fieldEnd(p, end);
    std::string text(p, static_cast<size_t>(e - p));
    if (text.size() > 40) text = text.substr(0, 40) + "...";
    return text;
}

// The longest line worth reading for `shape`: seq, pos and the ids, each up to 10 digits, with
// room to spare for separators; at least 1 MB. Computed before the shape is validated (the
// order of constructor arguments is unspecified), so without idsPerToken()'s int product.
size_t maxLineBytes(const TraceShape& shape) {
    const int64_t ids =
        std::clamp<int64_t>(int64_t{shape.layers} * shape.topK, 0, limits::kTraceDimension);
    return static_cast<size_t>(
        std::max(limits::kTraceLineFloor, limits::kTraceBytesPerId * (ids + 2)));
}

}  // namespace

TraceReader::TraceReader(std::string path, const TraceShape& shape)
    : path_(std::move(path)),
      shape_(shape),
      source_((validateTraceShape(shape, path_), path_), size_t{1} << 20, maxLineBytes(shape)) {
    ids_.resize(static_cast<size_t>(shape_.idsPerToken()));
}

void TraceReader::fail(const std::string& problem) const {
    throw Error::inFile(path_, line_, problem);
}

// Finds the next line in the current chunk, fetching chunks as needed. Chunks hold whole lines.
bool TraceReader::fetchLine(const char*& begin, const char*& end) {
    while (cursor_ == chunkEnd_) {
        std::span<const char> chunk;
        if (!source_.nextChunk(chunk, line_ + 1)) {
            if (line_ == 0) throw Error::inFile(path_, 0, "empty trace: the file has no lines");
            return false;
        }
        cursor_ = chunk.data();
        chunkEnd_ = chunk.data() + chunk.size();
    }
    begin = cursor_;
    const void* nl = std::memchr(cursor_, '\n', static_cast<size_t>(chunkEnd_ - cursor_));
    end = nl ? static_cast<const char*>(nl) : chunkEnd_;
    cursor_ = nl ? end + 1 : chunkEnd_;
    if (end > begin && end[-1] == '\r') --end;
    ++line_;
    return true;
}

bool TraceReader::next(TraceRecord& record) {
    const char* begin = nullptr;
    const char* end = nullptr;
    if (!fetchLine(begin, end)) return false;
    parseLine(begin, end, record);
    checkIds(ids_.data());
    checkSequence(record);
    record.line = line_;
    record.experts = ids_;
    return true;
}

void TraceReader::parseLine(const char* p, const char* end, TraceRecord& record) {
    const int expected = shape_.idsPerToken();
    auto expectation = [&] {
        return "expected seq_id, pos and " + std::to_string(expected) + " expert ids (" +
               std::to_string(shape_.layers) + " layers x top-" + std::to_string(shape_.topK) + ")";
    };
    const char* const start = p;
    p = skipSeparators(p, end);
    if (p == end) fail("empty line; " + expectation());
    // Tabs passed so far: the field being read is number tabs + 1.
    int tabs = 0;
    auto nextField = [&](const char* q) {
        int run = 0;
        q = skipSeparatorsCountingTabs(q, end, run);
        if (run > 1 || (run == 1 && q == end))
            fail("empty field " + std::to_string(tabs + 2) +
                 (q == end ? " (the line ends with a tab); " : " (two tabs in a row); ") +
                 expectation());
        tabs += run;
        return q;
    };
    if (std::memchr(start, '\t', static_cast<size_t>(p - start)))
        fail("empty field 1 (the line starts with a tab); " + expectation());
    int64_t head[2] = {0, 0};
    const char* names[2] = {"seq_id", "pos"};
    for (int f = 0; f < 2; ++f) {
        if (p == end) fail("truncated line: nothing after seq_id; " + expectation());
        const char* q = parseField(p, end, head[f]);
        if (!q)
            fail(std::string(names[f]) + " '" + fieldText(p, end) +
                 "' is not a non-negative integer");
        p = nextField(q);
    }
    record.sequenceId = static_cast<int32_t>(head[0]);
    record.position = static_cast<int32_t>(head[1]);

    int32_t* ids = ids_.data();
    const int64_t experts = shape_.experts;
    int count = 0;
    while (p < end) {
        int64_t v = 0;
        const char* q = parseField(p, end, v);
        if (!q)
            fail("expert id field " + std::to_string(count + 1) + " '" + fieldText(p, end) +
                 "' is not a non-negative integer");
        if (count < expected) {
            if (v >= experts)
                fail("expert id " + std::to_string(v) + " out of range [0, " +
                     std::to_string(experts) + ") at layer " + std::to_string(count / shape_.topK) +
                     ", slot " + std::to_string(count % shape_.topK));
            ids[count] = static_cast<int32_t>(v);
        }
        ++count;
        p = nextField(q);
    }
    if (count != expected)
        fail((count < expected ? "truncated line: expected " : "too many fields: expected ") +
             std::to_string(expected) + " expert ids (" + std::to_string(shape_.layers) +
             " layers x top-" + std::to_string(shape_.topK) + "), got " + std::to_string(count));
}

// A router picks k distinct experts per layer; a repeat means a corrupt or misshaped trace.
void TraceReader::checkIds(const int32_t* ids) {
    const int k = shape_.topK;
    for (int l = 0; l < shape_.layers; ++l) {
        const int32_t* row = ids + static_cast<size_t>(l) * k;
        for (int j = 1; j < k; ++j)
            for (int i = 0; i < j; ++i)
                if (row[i] == row[j])
                    fail("duplicate expert " + std::to_string(row[j]) + " in layer " +
                         std::to_string(l) + "'s top-" + std::to_string(k) + " (slots " +
                         std::to_string(i) + " and " + std::to_string(j) + ")");
    }
}

// Batching relies on each sequence's tokens being contiguous and in position order.
void TraceReader::checkSequence(TraceRecord& record) {
    if (inSequence_ && record.sequenceId == sequence_) {
        if (record.position != int64_t{lastPosition_} + 1)
            fail("position " + std::to_string(record.position) + " of sequence " +
                 std::to_string(sequence_) + " does not follow position " +
                 std::to_string(lastPosition_) + " (positions must be consecutive)");
    } else {
        if (inSequence_) endedSequences_.insert(sequence_);
        if (endedSequences_.count(record.sequenceId))
            fail("sequence " + std::to_string(record.sequenceId) + " reappears after sequence " +
                 std::to_string(sequence_) + " started (each sequence's lines must be contiguous)");
        inSequence_ = true;
        sequence_ = record.sequenceId;
    }
    lastPosition_ = record.position;
}

}  // namespace moe
