// See zip_archive.h. libzip checks each entry's CRC as it is read to the end, so a corrupted
// storage is an error here rather than wrong counts later.
#include "core/imports/zip_archive.h"

#include <zip.h>

#include <algorithm>

#include "core/common/error.h"

namespace moe {

struct ZipArchive::Handle {
    zip_t* zip = nullptr;
};

ZipArchive::ZipArchive(const std::string& path) : path_(path), zip_(std::make_unique<Handle>()) {
    int code = 0;
    zip_->zip = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &code);
    if (!zip_->zip) {
        zip_error_t error;
        zip_error_init_with_code(&error, code);
        const std::string why = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw Error(path + ": not a readable zip archive (" + why + ")");
    }
    const zip_int64_t n = zip_get_num_entries(zip_->zip, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* name = zip_get_name(zip_->zip, static_cast<zip_uint64_t>(i), 0);
        names_.emplace_back(name ? name : "");
    }
}

ZipArchive::~ZipArchive() {
    if (zip_ && zip_->zip) zip_discard(zip_->zip);
}

int64_t ZipArchive::indexOf(const std::string& name) const {
    const auto it = std::find(names_.begin(), names_.end(), name);
    return it == names_.end() ? -1 : it - names_.begin();
}

bool ZipArchive::has(const std::string& name) const { return indexOf(name) >= 0; }

uint64_t ZipArchive::size(const std::string& name) const {
    const int64_t i = indexOf(name);
    if (i < 0) throw Error(path_ + ": the archive has no entry '" + name + "'");
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_->zip, static_cast<zip_uint64_t>(i), 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE))
        throw Error(path_ + ": entry '" + name + "' has no readable size");
    return st.size;
}

std::vector<char> ZipArchive::read(const std::string& name, uint64_t limit) const {
    std::vector<char> out;
    readInto(name, limit, out);
    return out;
}

void ZipArchive::readInto(const std::string& name, uint64_t limit, std::vector<char>& out) const {
    const uint64_t bytes = size(name);
    if (bytes > limit)
        throw Error(path_ + ": entry '" + name + "' holds " + std::to_string(bytes) +
                    " bytes, more than the " + std::to_string(limit) + " this reader accepts");
    zip_file_t* file = zip_fopen_index(zip_->zip, static_cast<zip_uint64_t>(indexOf(name)), 0);
    if (!file)
        throw Error(path_ + ": entry '" + name + "' cannot be opened (" + zip_strerror(zip_->zip) +
                    ")");
    // Grown as the data arrives: a damaged directory may claim gigabytes the entry never has.
    out.clear();
    out.reserve(std::min<uint64_t>(bytes, 1 << 20));
    zip_int64_t got = 0;
    while (static_cast<uint64_t>(got) < bytes) {
        const uint64_t chunk = std::min<uint64_t>(bytes - got, 1 << 20);
        out.resize(static_cast<size_t>(got) + chunk);
        const zip_int64_t n = zip_fread(file, out.data() + got, chunk);
        if (n <= 0) break;
        got += n;
    }
    out.resize(static_cast<size_t>(got));
    // One more read reaches the end, where libzip checks the CRC.
    char extra = 0;
    const zip_int64_t tail =
        got == static_cast<zip_int64_t>(bytes) ? zip_fread(file, &extra, 1) : -1;
    const std::string why = zip_error_strerror(zip_file_get_error(file));
    zip_fclose(file);
    if (static_cast<uint64_t>(got) != bytes || tail != 0)
        throw Error(path_ + ": entry '" + name + "' is truncated or corrupt (read " +
                    std::to_string(got) + " of " + std::to_string(bytes) + " bytes: " + why + ")");
}

}  // namespace moe
