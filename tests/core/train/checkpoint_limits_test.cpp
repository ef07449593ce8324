// Checkpoints whose length fields are damaged (found by fuzz/fuzz_checkpoint.cpp): a length of
// 2^33 in a file of a few hundred bytes is refused against the bytes left, naming the file and
// the field, before anything is allocated.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/common/error.h"
#include "core/train/checkpoint.h"
#include "tests/core/workload/test_files.h"

namespace moe::train {
namespace {

std::string u64(uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); }
std::string text(const std::string& s) { return u64(s.size()) + s; }

// A valid header (magic, version, model, sections, step, sampler, optimizer step).
std::string header() {
    const uint32_t version = kCheckpointVersion;
    return std::string("MOEWBCKP") + std::string(reinterpret_cast<const char*>(&version), 4) +
           text(
               "vocab=16,context=8,width=8,blocks=1,heads=2,experts=4,top_k=2,ffn=8,"
               "score=softmax,renormalize=1,capacity=0") +
           text("all") + u64(3) + u64(12345) + u64(3);
}

std::string errorOf(const std::string& path) {
    try {
        readCheckpoint(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(CheckpointLimits, HugeLengthFieldsAreRefusedAgainstTheBytesLeft) {
    test::ScratchDir dir;
    const std::string pad(32, '\0');  // enough bytes for one parameter's four lengths
    const std::string h = header();
    const std::string name = dir.writePlain("name.ckpt", h + u64(1) + u64(1ull << 33) + pad);
    EXPECT_EQ(errorOf(name), name +
                                 ": checkpoint truncated or damaged: a parameter name of "
                                 "length 8589934592 at byte " +
                                 std::to_string(h.size() + 8) +
                                 " needs 8589934592 bytes, 32 are left");

    const std::string values =
        dir.writePlain("values.ckpt", h + u64(1) + text("embed") + u64(1ull << 33) + pad);
    EXPECT_EQ(errorOf(values), values +
                                   ": checkpoint truncated or damaged: parameter values of "
                                   "length 8589934592 at byte " +
                                   std::to_string(h.size() + 21) +
                                   " needs 34359738368 bytes, 32 are left");

    const std::string count = dir.writePlain("count.ckpt", h + u64(1ull << 33));
    EXPECT_EQ(errorOf(count), count +
                                  ": checkpoint truncated or damaged: the parameter count of "
                                  "length 8589934592 at byte " +
                                  std::to_string(h.size()) +
                                  " needs 274877906944 bytes, 0 are left");

    const std::string beyond = dir.writePlain("beyond.ckpt", h + u64(1ull << 40));
    EXPECT_EQ(errorOf(beyond), beyond +
                                   ": checkpoint damaged: impossible length of the parameter "
                                   "count at byte " +
                                   std::to_string(h.size()));
}

TEST(CheckpointLimits, EmptyArraysAndTheEndMarkerStillRead) {
    test::ScratchDir dir;
    const std::string path =
        dir.writePlain("empty.ckpt", header() + u64(1) + text("p") + u64(0) + u64(0) + u64(0) +
                                         u64(1) + u64(0) + "MOEWBEND");
    const CheckpointData d = readCheckpoint(path);
    ASSERT_EQ(d.names, std::vector<std::string>{"p"});
    EXPECT_TRUE(d.values[0].empty());
    ASSERT_EQ(d.bias.size(), 1u);
    EXPECT_TRUE(d.bias[0].empty());
}

}  // namespace
}  // namespace moe::train
