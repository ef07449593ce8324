// See input_file.h. status() follows symbolic links: a link to a regular file is fine.
#include "core/common/input_file.h"

#include <filesystem>

#include "core/common/error.h"

namespace moe {

void requireRegularFile(const std::string& path, const std::string& what) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw Error::inFile(path, 0, "cannot open " + what + ": no such file");
    if (std::filesystem::is_directory(status))
        throw Error::inFile(path, 0, "cannot open " + what + ": it is a directory");
    if (!std::filesystem::is_regular_file(status))
        throw Error::inFile(
            path, 0,
            "cannot open " + what + ": not a regular file (a FIFO, socket or device); give a file");
}

}  // namespace moe
