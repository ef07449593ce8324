// A whole recording mapped read-only. The binary readers (.npy, safetensors) view their arrays
// where the page cache already holds them: copying hundreds of megabytes into freshly allocated
// memory cost more than the reading itself (each new page is faulted in and zeroed first).
// The mapping lives as long as any array viewing it (shared ownership).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace moe {

class MappedFile {
public:
    // Throws moe::Error naming `path` when it is missing, not a regular file or unreadable.
    explicit MappedFile(const std::string& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    std::string_view bytes() const { return {data_, size_}; }

private:
    std::string path_;
    const char* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace moe
