// Plain stdio with a large buffer: a million steps of 24 x 32 loads is ~1e9 bytes of text,
// so formatting cost matters more than convenience here.
#include "core/stats/loads_csv_writer.h"

#include <cerrno>
#include <cstring>

#include "core/common/error.h"
#include "core/common/output_file.h"

namespace moe {

LoadsCsvWriter::LoadsCsvWriter(const std::string& path) : path_(path) {
    // Written as the run goes (what is there survives a crash), so not through a temporary
    // file; but never over a directory or an experiment database.
    checkOutputPath(path);
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) throw Error::inFile(path, 0, std::string("cannot write: ") + std::strerror(errno));
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
    std::fputs("step,layer,expert,tokens\n", file_);
}

LoadsCsvWriter::~LoadsCsvWriter() {
    if (file_) std::fclose(file_);
}

void LoadsCsvWriter::write(int64_t step, const LoadMatrix& loads) {
    for (int l = 0; l < loads.layers(); ++l)
        for (int e = 0; e < loads.experts(); ++e)
            std::fprintf(file_, "%lld,%d,%d,%lld\n", static_cast<long long>(step), l, e,
                         static_cast<long long>(loads.at(l, e)));
    if (std::ferror(file_))
        throw Error::inFile(path_, 0, std::string("write failed: ") + std::strerror(errno));
}

void LoadsCsvWriter::close() {
    if (!file_) return;
    const bool failed = std::fflush(file_) != 0 || std::ferror(file_);
    const int err = errno;
    std::fclose(file_);
    file_ = nullptr;
    if (failed) throw Error::inFile(path_, 0, std::string("write failed: ") + std::strerror(err));
}

}  // namespace moe
