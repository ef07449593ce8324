// Per-test scratch files for the workload tests: each test writes its own small traces (plain or
// gzip, whole or broken) into a fresh temporary directory that is removed afterwards.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace moe::test {

class ScratchDir {
public:
    ScratchDir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "x";
        for (char& c : name)
            if (c == '/') c = '_';
        dir_ = std::filesystem::temp_directory_path() /
               ("moe_workload_" + std::to_string(::getpid()) + "_" + name);
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    // Writes bytes as they are.
    std::string writePlain(const std::string& name, const std::string& bytes) const {
        const std::string p = path(name);
        std::ofstream out(p, std::ios::binary);
        out << bytes;
        return p;
    }

    // Writes `text` gzip-compressed.
    std::string writeGzip(const std::string& name, const std::string& text) const {
        const std::string p = path(name);
        gzFile gz = gzopen(p.c_str(), "wb");
        if (!text.empty()) gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
        gzclose(gz);
        return p;
    }

    std::string writeShape(const std::string& name, int layers, int experts, int topK) const {
        return writePlain(name, "layers=" + std::to_string(layers) +
                                    " experts=" + std::to_string(experts) +
                                    " top_k=" + std::to_string(topK) + "\n");
    }

private:
    std::filesystem::path dir_;
};

inline std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace moe::test
