// Reads a file's bytes, inflating it when it is gzip, for the trace reader's background thread.
// zlib's gzread was used before, and it silently drops whatever follows the last gzip member:
// a whole bad trace line could hide there. This reader inflates member after member itself and
// calls anything after the last one that is not another member an error, with its offset.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace moe {

class GzipStream {
public:
    // Opens `path`; a file that does not start with the gzip magic bytes is read as is.
    // Throws std::runtime_error (the caller adds the file and line) when it cannot be opened.
    explicit GzipStream(const std::string& path);
    ~GzipStream();
    GzipStream(const GzipStream&) = delete;
    GzipStream& operator=(const GzipStream&) = delete;

    // Up to `size` bytes into `out`; 0 only at the end. Throws std::runtime_error for a
    // truncated or corrupt stream, a read error, or bytes after the last gzip member; the
    // bytes inflated before the damage have been returned by earlier calls.
    size_t read(char* out, size_t size);

    bool compressed() const { return compressed_; }

private:
    bool refill();  // more raw bytes into the input buffer; false at the end of the file
    size_t inflateSome(char* out, size_t size);
    void inflateUntilOutput(uInt wanted);
    void startNextMemberOrFinish();

    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_{nullptr, &std::fclose};
    std::vector<unsigned char> in_;
    z_stream z_{};
    bool compressed_ = false;
    bool zReady_ = false;  // inflateInit2 succeeded (inflateEnd owed)
    bool finished_ = false;
    bool fileEnded_ = false;
    uint64_t rawOffset_ = 0;     // bytes of the file read into in_ so far
    std::string deferredError_;  // met after some output; thrown by the next read
};

}  // namespace moe
