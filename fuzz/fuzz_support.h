// What every fuzz target shares: the input written to a file in a per-process scratch folder
// (the readers take paths), and the rule that moe::Error is the one expected way for a reader
// to refuse bad input. Any other exception, std::bad_alloc included, aborts: it is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/common/error.h"

namespace moe::fuzz {

// /tmp/moe-fuzz-<pid>: one folder per process, so parallel jobs never share files; removed
// at exit (a crash leaves it behind, which scripts/fuzz.sh clears).
inline const std::filesystem::path& scratchDir() {
    static const std::filesystem::path dir = [] {
        const std::filesystem::path d = "/tmp/moe-fuzz-" + std::to_string(::getpid());
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all("/tmp/moe-fuzz-" + std::to_string(::getpid()), ec);
        });
        return d;
    }();
    return dir;
}

// Writes `size` bytes to scratchDir()/name and returns its path.
inline std::string writeInput(const uint8_t* data, size_t size, const std::string& name) {
    const std::string path = (scratchDir() / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
        std::abort();
    }
    return path;
}

// Runs `read`; a moe::Error is the expected refusal, anything else aborts with its message.
template <typename F>
void expectOnlyMoeError(F&& read) {
    try {
        read();
    } catch (const moe::Error&) {
        // Bad input, reported as it should be.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz: a reader let a non-moe::Error escape: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz: a reader threw something that is not an exception\n");
        std::abort();
    }
}

}  // namespace moe::fuzz
