// A main() for the fuzz targets in the ordinary build: feeds every file under the given paths
// (the committed seeds and reproducers, fuzz/corpus/<target>/) to the target once, so each
// test run checks that no reader crashes, hangs or lets anything but moe::Error out on them,
// without clang or libFuzzer. A target aborts on a finding, which fails the test.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int replay(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    if (!in.eof() && in.fail()) {
        std::fprintf(stderr, "replay: cannot read %s\n", file.c_str());
        return 1;
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    int files = 0, failures = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path root(argv[i]);
        if (std::filesystem::is_regular_file(root)) {
            failures += replay(root);
            ++files;
            continue;
        }
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
            if (entry.is_regular_file()) {
                failures += replay(entry.path());
                ++files;
            }
    }
    std::printf("replayed %d inputs\n", files);
    if (files == 0) std::fprintf(stderr, "replay: no inputs found\n");
    return files == 0 || failures > 0 ? 1 : 0;
}
