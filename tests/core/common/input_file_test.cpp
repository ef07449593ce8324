// A FIFO, a directory or a missing path given where a file is read: one message naming it, and
// no reader ever blocks on opening a FIFO (trace, .shape sidecar, loads CSV).
#include "core/common/input_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/imports/import_routing.h"
#include "core/stats/loads_csv_reader.h"
#include "core/workload/trace_reader.h"
#include "core/workload/trace_shape.h"
#include "core/workload/workload_factory.h"
#include "tests/core/common/error_of.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

using test::errorOf;

TEST(InputFile, OnlyRegularFilesPass) {
    test::ScratchDir dir;
    const std::string fifo = dir.path("pipe");
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    const std::string file = dir.writePlain("f.csv", "x\n");
    EXPECT_EQ(errorOf([&] { requireRegularFile(file, "loads CSV"); }), "no error");
    EXPECT_EQ(errorOf([&] { requireRegularFile(fifo, "loads CSV"); }),
              fifo +
                  ": cannot open loads CSV: not a regular file (a FIFO, socket or device); "
                  "give a file");
    EXPECT_EQ(errorOf([&] { requireRegularFile(dir.path(""), "trace"); }),
              dir.path("") + ": cannot open trace: it is a directory");
    EXPECT_EQ(errorOf([&] { requireRegularFile(dir.path("none"), "trace"); }),
              dir.path("none") + ": cannot open trace: no such file");
}

TEST(InputFile, ReadersRefuseAFifoInsteadOfWaitingOnIt) {
    test::ScratchDir dir;
    const std::string trace = dir.path("t.tsv");
    ASSERT_EQ(::mkfifo(trace.c_str(), 0600), 0);
    EXPECT_NE(errorOf([&] {
                  TraceReader(trace, TraceShape{2, 4, 2});
              }).find("not a regular file"),
              std::string::npos);
    EXPECT_NE(errorOf([&] { resolveTraceName(trace); }).find("trace: not a regular file"),
              std::string::npos);
    const std::string sidecar = dir.path("s.shape");
    ASSERT_EQ(::mkfifo(sidecar.c_str(), 0600), 0);
    EXPECT_NE(errorOf([&] { readShapeSidecar(sidecar); }).find("shape sidecar: not a regular"),
              std::string::npos);
    const std::string csv = dir.path("loads.csv");
    ASSERT_EQ(::mkfifo(csv.c_str(), 0600), 0);
    EXPECT_NE(errorOf([&] { readLoadsCsv(csv); }).find("loads CSV: not a regular file"),
              std::string::npos);
    const std::string recording = dir.path("dump.pt");
    ASSERT_EQ(::mkfifo(recording.c_str(), 0600), 0);
    EXPECT_FALSE(isKnownRecording(recording));
    EXPECT_NE(errorOf([&] { importRouting({recording}); }).find("recording: not a regular file"),
              std::string::npos);
    // A folder where the sidecar belongs is named as one, not "lacks layers".
    const std::string folder = dir.path("d.tsv");
    std::filesystem::create_directory(dir.path("d.shape"));
    std::ofstream(folder) << "0\t0\t1 2 3 0\n";
    EXPECT_NE(errorOf([&] { resolveTraceShape(folder, {}); }).find("it is a directory"),
              std::string::npos);
}

}  // namespace
}  // namespace moe
