// See output_file.h. POSIX calls (mkstemp, fchmod, fsync, rename) because the point is what
// happens on disk when something fails halfway, which iostreams do not let us control.
#include "core/common/output_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/common/error.h"

namespace moe {

namespace {

namespace fs = std::filesystem;

bool isSqliteDatabase(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::array<char, 16> header{};
    if (!in.read(header.data(), header.size())) return false;
    return std::memcmp(header.data(), "SQLite format 3", 16) == 0;  // 15 chars and the NUL
}

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

// The mode a plain fopen(path, "w") would give a new file, so that writing through a
// temporary file (mkstemp makes it 0600) changes nothing a user can see.
mode_t newFileMode() {
    mode_t mask = 022;
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("Umask:", 0) == 0) {
            mask = static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
            break;
        }
    return 0666 & ~mask;
}

}  // namespace

void checkOutputPath(const std::string& path) {
    std::error_code ec;
    const fs::path p(path);
    if (fs::is_directory(p, ec))
        throw Error::inFile(path, 0, "is a directory; give the name of a file to write");
    if (fs::is_regular_file(p, ec) && isSqliteDatabase(p))
        throw Error::inFile(path, 0,
                            "is an SQLite database (an experiment store?); refusing to overwrite "
                            "it");
    // A database's companions: overwriting its write-ahead log or journal loses or corrupts the
    // runs just as surely as overwriting the database itself.
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        const std::string s(suffix);
        if (path.size() > s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0) {
            const fs::path db(path.substr(0, path.size() - s.size()));
            if (fs::is_regular_file(db, ec) && isSqliteDatabase(db))
                throw Error::inFile(path, 0,
                                    "belongs to the SQLite database " + db.string() +
                                        " (an experiment store?); refusing to overwrite it");
        }
    }
}

OutputFile::OutputFile(std::string path) : path_(std::move(path)), target_(path_) {
    checkOutputPath(path_);
    std::error_code ec;
    const fs::file_status st = fs::status(path_, ec);
    if (fs::exists(st) && !fs::is_regular_file(st)) {
        // /dev/stdout, a FIFO, a terminal: nothing to rename over; write straight into it.
        file_ = std::fopen(path_.c_str(), "wb");
        if (!file_) throw Error::inFile(path_, 0, errnoText("cannot write"));
        return;
    }
    // Through a symbolic link, replace the file it points at, not the link.
    if (fs::is_symlink(fs::symlink_status(path_, ec))) {
        const fs::path resolved = fs::weakly_canonical(path_, ec);
        if (!ec) target_ = resolved.string();
    }
    mode_t mode = newFileMode();
    struct stat old {};
    if (::stat(target_.c_str(), &old) == 0) mode = old.st_mode & 07777;
    std::string name = target_ + ".tmp-XXXXXX";
    const int fd = ::mkstemp(name.data());
    if (fd < 0) throw Error::inFile(path_, 0, errnoText("cannot write"));
    temporary_ = name;
    ::fchmod(fd, mode);
    file_ = ::fdopen(fd, "wb");
    if (!file_) {
        const std::string why = errnoText("cannot write");
        ::close(fd);
        std::remove(temporary_.c_str());
        throw Error::inFile(path_, 0, why);
    }
}

OutputFile::~OutputFile() {
    if (file_) std::fclose(file_);
    if (!temporary_.empty()) std::remove(temporary_.c_str());
}

void OutputFile::write(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
        throw Error::inFile(path_, 0, errnoText("write failed"));
}

void OutputFile::commit() {
    if (!file_) return;
    int err = 0;
    if (std::fflush(file_) != 0 || std::ferror(file_)) err = errno ? errno : EIO;
    if (!err && !temporary_.empty() && ::fsync(::fileno(file_)) != 0) err = errno;
    if (std::fclose(file_) != 0 && !err) err = errno;
    file_ = nullptr;
    if (err) {
        errno = err;
        throw Error::inFile(path_, 0, errnoText("write failed"));
    }
    if (temporary_.empty()) return;
    if (std::rename(temporary_.c_str(), target_.c_str()) != 0)
        throw Error::inFile(path_, 0, errnoText("cannot replace the file"));
    temporary_.clear();
}

void writeOutputFile(const std::string& path, std::string_view text) {
    OutputFile out(path);
    out.write(text);
    out.commit();
}

}  // namespace moe
