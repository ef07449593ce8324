// See mapped_file.h. MAP_POPULATE maps the cached pages up front (one call instead of a fault
// per page). A file another program truncates while it is mapped would fault on access; the
// readers take recordings that are finished, as the README says.
#include "core/imports/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/common/error.h"
#include "core/common/input_file.h"

namespace moe {

MappedFile::MappedFile(const std::string& path) : path_(path) {
    requireRegularFile(path, "the recording");
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot be read (" + std::strerror(errno) + ")");
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd);
        throw Error(path + ": cannot be read (" + why + ")");
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p == MAP_FAILED) {
            const std::string why = std::strerror(errno);
            ::close(fd);
            throw Error(path + ": cannot be mapped for reading (" + why + ")");
        }
        data_ = static_cast<const char*>(p);
    }
    ::close(fd);  // the mapping keeps the file's pages
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
}

}  // namespace moe
