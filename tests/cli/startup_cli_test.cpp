// Commands that do not use CUDA must not load it: linked into the CLI, cuBLAS cost every command
// (`--help` included) 400-500 ms. The CUDA backend is a module opened on first use
// (app/shared/cuda_module.h); the loader's own trace (LD_DEBUG=files) shows what was opened.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cli_support.h"

namespace {

using namespace cli_test;

// `args` run with the dynamic loader reporting every library it opens.
Result withLoaderTrace(const std::string& args) {
    setenv("LD_DEBUG", "files", 1);
    Result r = cli(args);
    unsetenv("LD_DEBUG");
    return r;
}

// The loader names a library it opens in "file=NAME" (needed) or "file=/PATH/NAME" (dlopen).
bool opened(const Result& r, const std::string& library) {
    return r.out.find("file=" + library) != std::string::npos ||
           r.out.find("/" + library) != std::string::npos;
}

TEST(StartupCli, CommandsWithoutCudaDoNotLoadIt) {
    for (const char* args : {"--help", "stats -w trace:gpt-oss-20b --steps 5", "devices --help"}) {
        const Result r = withLoaderTrace(args);
        EXPECT_EQ(r.code, 0) << args;
        for (const char* library : {"libmoe_cuda", "libcudart", "libcublas"})
            EXPECT_FALSE(opened(r, library)) << args << " loaded " << library;
    }
}

TEST(StartupCli, DevicesOpensTheCudaModuleWhenBuilt) {
    const Result r = withLoaderTrace("devices");
    EXPECT_EQ(r.code, 0) << r.out;
#ifdef MOE_CUDA_MODULE_BUILT
    EXPECT_TRUE(opened(r, "libmoe_cuda.so")) << r.out.substr(0, 2000);
    EXPECT_TRUE(opened(r, "libcublas")) << r.out.substr(0, 2000);
#else
    EXPECT_NE(r.out.find("cuda: not built"), std::string::npos) << r.out;
#endif
}

// A module that is missing (a broken install) is a note, and the CPU still runs.
TEST(StartupCli, AMissingCudaModuleIsANoteNotAFailure) {
    setenv("MOE_CUDA_MODULE", "/nonexistent/libmoe_cuda.so", 1);
    const Result devices = cli("devices");
    const Result run =
        cli("run -w synthetic:layers=1,experts=8,steps=2 -T 16 --hidden 32 --ffn 64 "
            "--backend cuda --no-db");
    unsetenv("MOE_CUDA_MODULE");
    EXPECT_EQ(devices.code, 0) << devices.out;
    EXPECT_NE(devices.out.find("cpu:"), std::string::npos) << devices.out;
    EXPECT_EQ(run.code, 0) << run.out;
#ifdef MOE_CUDA_MODULE_BUILT
    EXPECT_NE(
        devices.out.find("cuda: the CUDA module /nonexistent/libmoe_cuda.so cannot be loaded"),
        std::string::npos)
        << devices.out;
    EXPECT_NE(run.out.find("cannot be loaded"), std::string::npos) << run.out;
#endif
}

}  // namespace
