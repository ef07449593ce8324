// Every file the CLI and the workbench write for the user (--out, --csv, --json,
// --loads-csv, exports) goes through here first. A user once gave the experiment database
// itself as an output file and `fopen(path, "w")` truncated every recorded run away; one check
// here, before any writer opens its file, keeps that from happening in any of them.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace moe {

// Throws moe::Error ("PATH: why") when `path` must not be opened for writing as an output
// file: an existing directory, an existing SQLite database (a store, read by its 16-byte header)
// or that database's -wal / -shm / -journal companion. A missing file is fine.
void checkOutputPath(const std::string& path);

// A whole output file written so that a failure never leaves a truncated file behind: the
// data goes to a temporary file beside `path`, which commit() renames over it. Destroyed
// without commit() (an exception while writing), the temporary file is removed and `path` is
// as it was. Paths that are not regular files (/dev/stdout, a FIFO) are written directly.
class OutputFile {
public:
    explicit OutputFile(std::string path);  // checkOutputPath(path), then opens; throws moe::Error
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    std::FILE* get() const { return file_; }
    void write(std::string_view text);  // throws moe::Error on a write failure
    void commit();                      // flushes, closes, renames; throws moe::Error on failure

private:
    std::string path_;       // what the user named
    std::string target_;     // what is replaced: path_, or the file a symbolic link points at
    std::string temporary_;  // empty when writing directly
    std::FILE* file_ = nullptr;
};

// OutputFile for text that is already in memory.
void writeOutputFile(const std::string& path, std::string_view text);

}  // namespace moe
