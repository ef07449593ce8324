// Background inflate with a small bounded pool of chunks. The producer cuts every chunk at its
// last newline and carries the partial line into the next one, so the parser never sees a line
// split across chunks and needs no copy of its own.
#include "core/workload/chunked_gzip_reader.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "core/common/error.h"
#include "core/common/input_file.h"
#include "core/workload/gzip_stream.h"

namespace moe {

namespace {

// One chunk being parsed, one ready, one being filled: enough to keep both threads busy.
constexpr size_t kMaxChunks = 3;

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Fails early, with a message about the file itself, before any thread starts.
void checkFile(const std::string& path) {
    requireRegularFile(path, "trace");
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error::inFile(path, 0, std::string("cannot open trace: ") + std::strerror(errno));
    unsigned char magic[2] = {0, 0};
    const size_t got = std::fread(magic, 1, 2, f);
    std::fclose(f);
    if (got == 0) throw Error::inFile(path, 0, "empty file: the trace has no lines");
    if (endsWith(path, ".gz") && (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b))
        throw Error::inFile(path, 0,
                            "not gzip data: the name ends in .gz but the file does not start "
                            "with the gzip magic bytes 1f 8b");
}

}  // namespace

ChunkedGzipReader::ChunkedGzipReader(std::string path, size_t chunkBytes, size_t maxLineBytes)
    : path_(std::move(path)),
      chunkBytes_(std::max<size_t>(chunkBytes, 64)),
      maxLineBytes_(maxLineBytes) {
    checkFile(path_);
    try {
        gz_ = std::make_unique<GzipStream>(path_);
    } catch (const std::runtime_error& e) {
        throw Error::inFile(path_, 0, std::string("trace: ") + e.what());
    }
    worker_ = std::thread([this] { produce(); });
}

ChunkedGzipReader::~ChunkedGzipReader() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
}

// Ends the chunk after its last newline (searching no further back than `searchFrom`) and moves
// the rest into `carry`. False when there is no newline.
bool ChunkedGzipReader::cutAtLastNewline(Chunk& chunk, size_t size, std::vector<char>& carry,
                                         size_t searchFrom) {
    const char* begin = chunk.data.data();
    for (const char* p = begin + size; p > begin + searchFrom;) {
        if (*--p == '\n') {
            const size_t cut = static_cast<size_t>(p - begin) + 1;
            carry.assign(begin + cut, begin + size);
            chunk.size = cut;
            return true;
        }
    }
    return false;
}

// Reads into `chunk` (after the carried partial line) until it holds at least one whole line or
// the stream ends. Returns false when there is nothing left. Throws std::runtime_error on a
// stream error; the consumer turns it into an Error with the line number it knows.
bool ChunkedGzipReader::fillChunk(Chunk& chunk, std::vector<char>& carry) {
    if (!pendingFailure_.empty()) throw std::runtime_error(pendingFailure_);
    if (chunk.data.size() < std::max(chunkBytes_, carry.size() * 2))
        chunk.data.resize(std::max(chunkBytes_, carry.size() * 2));
    std::copy(carry.begin(), carry.end(), chunk.data.begin());
    size_t size = carry.size();
    carry.clear();
    bool eof = false;
    size_t searchFrom = 0;
    for (;;) {
        size_t got = 0;
        try {
            got = gz_->read(chunk.data.data() + size, chunk.data.size() - size);
        } catch (const std::runtime_error& e) {
            pendingFailure_ = std::string(e.what()) + "; the data from this line on cannot be read";
            // The lines inflated before the damage are still delivered; the partial one is not.
            if (cutAtLastNewline(chunk, size, carry)) return true;
            throw std::runtime_error(pendingFailure_);
        }
        if (got == 0) eof = true;
        size += got;
        if (cutAtLastNewline(chunk, size, carry, searchFrom)) return true;
        if (eof) {
            chunk.size = size;
            return size > 0;
        }
        // A line longer than the chunk: grow and keep reading, up to the caller's bound (the
        // chunk holds nothing but this one line).
        if (maxLineBytes_ && size > maxLineBytes_)
            throw std::runtime_error("a line longer than " + std::to_string(maxLineBytes_) +
                                     " bytes without a newline; not a trace of this shape?");
        searchFrom = size;
        if (size == chunk.data.size()) chunk.data.resize(chunk.data.size() * 2);
    }
}

void ChunkedGzipReader::produce() {
    std::vector<char> carry;
    size_t allocated = 0;
    for (;;) {
        Chunk chunk;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return stop_ || !free_.empty() || allocated < kMaxChunks; });
            if (stop_) return;
            if (!free_.empty()) {
                chunk = std::move(free_.front());
                free_.pop_front();
            } else {
                ++allocated;
            }
        }
        bool more = false;
        std::string failure;
        try {
            more = fillChunk(chunk, carry);
        } catch (const std::exception& e) {  // a stream error, or no memory for a huge line
            failure = e.what();
        }
        {
            std::lock_guard lock(mutex_);
            if (more) full_.push_back(std::move(chunk));
            if (!more) {
                failure_ = failure;
                finished_ = true;
            }
        }
        changed_.notify_all();
        if (!more) return;
    }
}

bool ChunkedGzipReader::nextChunk(std::span<const char>& chunk, int64_t lineForErrors) {
    std::unique_lock lock(mutex_);
    if (hasCurrent_) {
        free_.push_back(std::move(current_));
        hasCurrent_ = false;
        changed_.notify_all();
    }
    changed_.wait(lock, [&] { return !full_.empty() || finished_; });
    if (full_.empty()) {
        if (!failure_.empty()) throw Error::inFile(path_, lineForErrors, failure_);
        return false;
    }
    current_ = std::move(full_.front());
    full_.pop_front();
    hasCurrent_ = true;
    chunk = std::span<const char>(current_.data.data(), current_.size);
    return true;
}

}  // namespace moe
