// See gzip_stream.h. Concatenated members (what `cat a.gz b.gz` and pigz make) are one stream,
// as gzip itself reads them.
#include "core/workload/gzip_stream.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace moe {

namespace {

constexpr size_t kInputBytes = size_t{1} << 20;
// 15 window bits, +16: gzip framing only (a zlib or raw stream here is not a trace).
constexpr int kGzipWindowBits = 15 + 16;

}  // namespace

// One spare byte: a gzip magic split across two reads is put back together in front.
GzipStream::GzipStream(const std::string& path) : in_(kInputBytes + 1) {
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) throw std::runtime_error(std::string("cannot open: ") + std::strerror(errno));
    refill();
    compressed_ = z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b;
    if (!compressed_) return;
    if (inflateInit2(&z_, kGzipWindowBits) != Z_OK)
        throw std::runtime_error("cannot start zlib's inflate (out of memory?)");
    zReady_ = true;
}

GzipStream::~GzipStream() {
    if (zReady_) inflateEnd(&z_);
}

bool GzipStream::refill() {
    if (fileEnded_) return false;
    const size_t got = std::fread(in_.data(), 1, kInputBytes, file_.get());
    if (got < kInputBytes) {
        if (std::ferror(file_.get()))
            throw std::runtime_error(std::string("read error: ") + std::strerror(errno));
        fileEnded_ = true;
    }
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(got);
    rawOffset_ += got;
    return got > 0;
}

size_t GzipStream::read(char* out, size_t size) {
    if (!deferredError_.empty()) throw std::runtime_error(deferredError_);
    if (finished_ || size == 0) return 0;
    if (compressed_) return inflateSome(out, size);
    size_t done = 0;
    while (done < size) {  // plain text: the input buffer is the file's bytes
        if (z_.avail_in == 0 && !refill()) break;
        const size_t n = std::min<size_t>(size - done, z_.avail_in);
        std::memcpy(out + done, z_.next_in, n);
        z_.next_in += n;
        z_.avail_in -= static_cast<uInt>(n);
        done += n;
    }
    if (done == 0) finished_ = true;
    return done;
}

size_t GzipStream::inflateSome(char* out, size_t size) {
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(size, size_t{1} << 30));
    const uInt wanted = z_.avail_out;
    try {
        inflateUntilOutput(wanted);
    } catch (const std::runtime_error& e) {
        // Bytes inflated before damage are handed out first; the error comes with the next call.
        if (z_.avail_out == wanted) throw;
        deferredError_ = e.what();
    }
    return wanted - z_.avail_out;
}

// Inflates until some output (of `wanted` bytes of room) or the stream's end.
void GzipStream::inflateUntilOutput(uInt wanted) {
    while (z_.avail_out == wanted && !finished_) {
        if (z_.avail_in == 0 && !refill())
            throw std::runtime_error("truncated gzip stream (unexpected end of file)");
        const int rc = inflate(&z_, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            startNextMemberOrFinish();
        } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            throw std::runtime_error(std::string("corrupt gzip stream (") +
                                     (z_.msg ? z_.msg : "invalid data") + ")");
        } else if (rc == Z_MEM_ERROR) {
            throw std::runtime_error("out of memory while inflating");
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {  // Z_BUF_ERROR: refill and go on
            throw std::runtime_error("zlib's inflate failed (code " + std::to_string(rc) + ")");
        }
    }
}

// After a member's end: another member follows (gzip magic), the file ends, or it is an error.
void GzipStream::startNextMemberOrFinish() {
    if (z_.avail_in == 0) refill();
    if (z_.avail_in == 0) {
        finished_ = true;
        return;
    }
    // The magic can straddle two reads only when one byte is left in the buffer.
    if (z_.avail_in == 1 && !fileEnded_) {
        const unsigned char first = z_.next_in[0];
        const uint64_t at = rawOffset_ - 1;
        refill();
        if (first != 0x1f || z_.avail_in == 0 || z_.next_in[0] != 0x8b)
            throw std::runtime_error("bytes after the end of the gzip stream, at byte " +
                                     std::to_string(at) + "; the file is damaged or appended to");
        // Put the magic back together for inflate: it reads the header from the buffer.
        in_[0] = 0x1f;
        std::memmove(in_.data() + 1, z_.next_in, z_.avail_in);
        z_.next_in = in_.data();
        z_.avail_in += 1;
    }
    if (z_.avail_in < 2 || z_.next_in[0] != 0x1f || z_.next_in[1] != 0x8b)
        throw std::runtime_error("bytes after the end of the gzip stream, at byte " +
                                 std::to_string(rawOffset_ - z_.avail_in) +
                                 "; the file is damaged or appended to");
    inflateReset(&z_);
}

}  // namespace moe
