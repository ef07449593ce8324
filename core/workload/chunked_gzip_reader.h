// Streams a gzip (or plain) text file as chunks of whole lines, decompressing on a background
// thread so that inflating the next chunk overlaps with the caller parsing the current one.
// Traces are tens of MB uncompressed; this keeps memory to a few chunks and the wall time close
// to that of inflate alone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace moe {

class GzipStream;

class ChunkedGzipReader {
public:
    // Opens `path` and starts decompressing. A name ending in ".gz" must start with the gzip
    // magic bytes (zlib would otherwise pass the bytes through silently); any other name is
    // read as is, compressed or not. Throws moe::Error (line 0) when the file cannot be read.
    // `maxLineBytes` (0 = no limit) bounds one line: a longer one is an error at its line
    // rather than a buffer as large as the file (or its inflated size: a gzip bomb).
    explicit ChunkedGzipReader(std::string path, size_t chunkBytes = size_t{1} << 20,
                               size_t maxLineBytes = 0);
    ~ChunkedGzipReader();
    ChunkedGzipReader(const ChunkedGzipReader&) = delete;
    ChunkedGzipReader& operator=(const ChunkedGzipReader&) = delete;

    // The next chunk: one or more complete lines, each ending in '\n' except possibly the last
    // line of the file. The view stays valid until the next call. Returns false at the end.
    // Throws moe::Error on a corrupt or truncated stream; `lineForErrors` is the 1-based line
    // the caller was about to read, so the message can say where the damage starts.
    bool nextChunk(std::span<const char>& chunk, int64_t lineForErrors);

    const std::string& path() const { return path_; }

private:
    struct Chunk {
        std::vector<char> data;
        size_t size = 0;
    };
    void produce();
    bool fillChunk(Chunk& chunk, std::vector<char>& carry);
    static bool cutAtLastNewline(Chunk& chunk, size_t size, std::vector<char>& carry,
                                 size_t searchFrom = 0);

    std::string path_;
    size_t chunkBytes_;
    size_t maxLineBytes_;
    std::unique_ptr<GzipStream> gz_;  // raw bytes, inflated when the file is gzip
    std::string pendingFailure_;      // producer only: stream error met after some good data

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Chunk> full_;  // decompressed, waiting for the caller
    std::deque<Chunk> free_;  // handed back, ready to be refilled
    Chunk current_;           // the chunk the caller is reading
    bool hasCurrent_ = false;
    bool finished_ = false;  // producer reached the end (or failed)
    bool stop_ = false;      // caller is going away
    std::string failure_;    // producer's error, reported after the chunks before it
    std::thread worker_;
};

}  // namespace moe
