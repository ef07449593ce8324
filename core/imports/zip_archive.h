// Read-only access to the entries of a zip archive, for the files torch.save writes (a zip of a
// pickle and raw tensor storages). A thin owner of libzip (Debian's libzip-dev, a well-kept
// reader of stored and deflated entries, ZIP64 included) so no archive parsing is ours.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moe {

class ZipArchive {
public:
    // Throws moe::Error naming `path` when it is missing, unreadable or not a zip archive.
    explicit ZipArchive(const std::string& path);
    ~ZipArchive();
    ZipArchive(const ZipArchive&) = delete;
    ZipArchive& operator=(const ZipArchive&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<std::string>& names() const { return names_; }
    bool has(const std::string& name) const;
    // The entry's uncompressed size; throws moe::Error when it is absent.
    uint64_t size(const std::string& name) const;
    // The whole entry. Throws moe::Error (naming the archive and the entry) when it is absent,
    // larger than `limit` bytes, or cannot be read back in full (truncated or corrupt).
    std::vector<char> read(const std::string& name, uint64_t limit) const;
    // The same into `out`, whose memory is reused: a reader going through many large entries
    // one at a time then faults in fresh pages once, not once per entry.
    void readInto(const std::string& name, uint64_t limit, std::vector<char>& out) const;

private:
    int64_t indexOf(const std::string& name) const;
    std::string path_;
    struct Handle;
    std::unique_ptr<Handle> zip_;
    std::vector<std::string> names_;
};

}  // namespace moe
