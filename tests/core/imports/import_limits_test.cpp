// Importer inputs the fuzz targets (fuzz/) turned up or were seeded with: rows naming huge ids
// or sparse keys that would expand into dense tables the file does not justify, counts that
// overflow, a .npy shape whose byte count overflows, and pickles that reference themselves.
// Each ends in one moe::Error naming the file and the problem.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "core/common/error.h"
#include "core/imports/array_dump.h"
#include "core/imports/megatron_dump.h"
#include "core/imports/npy_file.h"
#include "core/imports/response_dump.h"
#include "core/imports/safetensors_file.h"
#include "core/imports/sglang_csv.h"
#include "core/imports/sglang_dump.h"
#include "core/imports/torch_file.h"
#include "tests/core/common/error_of.h"
#include "tests/core/imports/import_fixtures.h"
#include "tests/core/workload/test_files.h"

namespace moe {
namespace {

using test::errorOf;

TEST(ImportLimits, SglangCsvNamingExpertOneMillionIsRefused) {
    test::ScratchDir dir;
    std::string text = "layer_id,expert_id,count\n0,1000000,1\n";
    for (int l = 1; l < 64; ++l) text += std::to_string(l) + ",0,1\n";
    const std::string path = dir.writePlain("expert_distribution_rank0.csv", text);
    const std::string m = errorOf([&] { readSglangCsv({path}); });
    EXPECT_EQ(m, path +
                     ": expert ids up to 1000000 over 64 layers make 64000064 counts, but the "
                     "files give only 64 rows")
        << m;
}

TEST(ImportLimits, MegatronTokensPerExpertTooSparseOrOverflowing) {
    test::ScratchDir dir;
    std::string text;
    for (int i = 0; i < 100; ++i)  // every line a new iteration and a new layer
        text += "{\"iter\": " + std::to_string(i) + ", \"layer\": " + std::to_string(i) +
                ", \"tpe\": [[1, 2]]}\n";
    const std::string sparse = dir.writePlain("rank0.jsonl", text);
    std::string m = errorOf([&] { readMegatronDump({sparse}); });
    EXPECT_EQ(m, sparse +
                     ": 100 iterations x 100 layers, but only 100 (iteration, layer) "
                     "records: too sparse to be a tokens-per-expert dump")
        << m;

    const std::string overflow =
        dir.writePlain("rank1.jsonl",
                       "{\"iter\": 1, \"layer\": 0, \"tpe\": [[9223372036854775807, 1], "
                       "[9223372036854775807, 1]]}\n");
    m = errorOf([&] { readMegatronDump({overflow}); });
    EXPECT_EQ(m, overflow + ":1: the counts overflow 64 bits") << m;
}

TEST(ImportLimits, ResponseTokenCountsThatOverflowAreNamed) {
    test::ScratchDir dir;
    const std::string path = dir.writePlain(
        "responses.jsonl", R"({"meta_info": {"routed_experts": "AQAAAAIAAAA=", "prompt_tokens": )"
                           R"(9223372036854775807, "completion_tokens": 2}})"
                           "\n");
    const std::string m = errorOf([&] { readResponseDump({path}, 0); });
    EXPECT_EQ(m, path + ":1: prompt_tokens + completion_tokens overflows 64 bits") << m;
}

TEST(ImportLimits, NpyShapeWhoseByteCountOverflowsIsNamed) {
    test::ScratchDir dir;
    std::string header =
        "{'descr': '<i8', 'fortran_order': False, 'shape': (999999999999, 2000000, 1), }";
    header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
    const uint16_t n = static_cast<uint16_t>(header.size());
    const std::string path =
        dir.writePlain("big.npy", std::string("\x93NUMPY\x01\x00", 8) +
                                      std::string(reinterpret_cast<const char*>(&n), 2) + header);
    const std::string m = errorOf([&] { readNpy(path); });
    EXPECT_EQ(m, path + ": the npy shape needs 9223372036854775807 bytes of data, the file holds 0")
        << m;
}

// Found in review: a per_token pass of shape [2, 2^60, 0] holds no ids, and walking its
// tokens before comparing them with its input_ids ran for ever (torch.save wrote it:
// tests/data/imports/make_fixtures.py).
TEST(ImportLimits, PerTokenPassClaimingMoreTokensThanItsInputsIsNamedAtOnce) {
    const std::string path = test::importFixture("sglang_per_token_empty_slots.pt");
    const std::string m = errorOf([&] { readSglangDump({path}); });
    EXPECT_EQ(m, path +
                     ": pass 0 has 1152921504606846976 tokens of routing but 1 input_ids, 1 "
                     "positions and extend_seq_lens summing to 1")
        << m;
}

// Found in review: one row of ten million logits was widened 1,024 rows at a time (80 GB,
// std::bad_alloc); a block is now at most the rows there are and about 1 MB.
TEST(ImportLimits, OneVeryLongRowOfLogitsIsReadInOneSmallBlock) {
    test::ScratchDir dir;
    constexpr int E = 2'000'000;
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2000000), }";
    header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + "\n";
    const uint16_t n = static_cast<uint16_t>(header.size());
    std::string data(size_t{E} * 4, '\0');
    const float high = 3.0f, higher = 4.0f;
    std::memcpy(&data[4 * 1234567], &high, 4);
    std::memcpy(&data[4 * 7], &higher, 4);
    const std::string path = dir.writePlain(
        "long_row.npy", std::string("\x93NUMPY\x01\x00", 8) +
                            std::string(reinterpret_cast<const char*>(&n), 2) + header + data);
    EXPECT_EQ(readArrayDump({path}, 2).ids, (std::vector<int32_t>{7, 1234567}));
}

TEST(ImportLimits, SafetensorsShapeWhoseByteCountWrapsIsNamed) {
    test::ScratchDir dir;
    const std::string json =
        R"({"w": {"dtype": "F64", "shape": [1099511627776, 2097152], "data_offsets": [0, 0]}})";
    const uint64_t n = json.size();
    const std::string path = dir.writePlain(
        "wrap.safetensors", std::string(reinterpret_cast<const char*>(&n), 8) + json);
    const std::string m = errorOf([&] { readSafetensors(path); });
    EXPECT_EQ(m, path +
                     ": tensor 'w' has bytes 0..0 that do not match its shape inside 0 bytes "
                     "of data")
        << m;
}

TEST(ImportLimits, NpyHeaderOfMegabytesIsScannedNotRecursed) {
    test::ScratchDir dir;
    std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1" +
                         std::string((1 << 20) - 100, ' ') + "), }\n";
    const uint32_t n = static_cast<uint32_t>(header.size());
    const std::string path =
        dir.writePlain("long_header.npy", std::string("\x93NUMPY\x02\x00", 8) +
                                              std::string(reinterpret_cast<const char*>(&n), 4) +
                                              header + std::string(8, '\x07'));
    const NpyArray a = readNpy(path);  // libstdc++'s std::regex overflowed the stack here
    EXPECT_EQ(a.shape, (std::vector<int64_t>{1, 1}));
    EXPECT_EQ(a.integers(), (std::vector<int64_t>{0x0707070707070707}));
}

std::string le(uint64_t v, int bytes) {
    std::string s;
    for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
}

// A zip of stored entries, archive/data.pkl first, as torch.save lays out its archive.
std::string torchZip(const std::string& pickle,
                     std::vector<std::pair<std::string, std::string>> storages = {}) {
    storages.insert(storages.begin(), {"archive/data.pkl", pickle});
    std::string local, central;
    for (const auto& [name, data] : storages) {
        const uint32_t crc = static_cast<uint32_t>(
            crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
        const std::string sizes = le(crc, 4) + le(data.size(), 4) + le(data.size(), 4);
        central += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 4) + le(0, 4) + sizes +
                   le(name.size(), 2) + le(0, 6) + le(0, 2) + le(0, 4) + le(local.size(), 4) + name;
        local += le(0x04034b50, 4) + le(20, 2) + le(0, 4) + le(0, 4) + sizes + le(name.size(), 2) +
                 le(0, 2) + name + data;
    }
    return local + central + le(0x06054b50, 4) + le(0, 4) + le(storages.size(), 2) +
           le(storages.size(), 2) + le(central.size(), 4) + le(local.size(), 4) + le(0, 2);
}

TEST(ImportLimits, TorchStorageWhoseByteCountWrapsIsNamed) {
    test::ScratchDir dir;
    // {'x': tensor} over storage '0' that claims 2^61 int64 elements: 2^64 bytes, 0 if wrapped.
    const std::string pickle(
        "\x80\x02}q\x00X\x01\x00\x00\x00xq\x01"
        "ctorch._utils\n_rebuild_tensor_v2\nq\x02((X"
        "\x07\x00\x00\x00storageq\x03"
        "ctorch\nLongStorage\nq\x04X\x01\x00\x00\x00"
        "0q\x05X"
        "\x03\x00\x00\x00"
        "cpuq\x06\x8a\x08\x00\x00\x00\x00\x00\x00\x00 tq\x07QK\x00K\x04"
        "\x85q\x08K\x01\x85q\ttq\nRq\x0bs.",
        137);
    const std::string path = dir.writePlain("huge.pt", torchZip(pickle, {{"archive/data/0", ""}}));
    const TorchFile f(path);
    const PickleValue* x = f.root().find("x");
    ASSERT_TRUE(x && x->kind == PickleValue::Kind::Tensor);
    const std::string m = errorOf([&] { f.integers(*x->tensor, "x"); });
    EXPECT_EQ(m, path +
                     ": tensor 'x': storage archive/data/0 holds 0 bytes, its header says "
                     "2305843009213693952 int64 elements")
        << m;
}

TEST(ImportLimits, PicklesThatReferenceThemselvesAreRefused) {
    test::ScratchDir dir;
    // ] MEMOIZE GET(0) APPEND: a list appended to itself.
    const std::string self = dir.writePlain("self.pt", torchZip(std::string("\x80\x02]\x94h\x00"
                                                                            "a.",
                                                                            8)));
    std::string m = errorOf([&] { TorchFile f(self); });
    EXPECT_EQ(m, self + ": archive/data.pkl: byte 6: a container holding itself") << m;
    // {} MEMOIZE ( 'a' [] MEMOIZE GET(0) APPEND SETITEMS: the dict inside its own list.
    const std::string ring =
        dir.writePlain("ring.pt", torchZip(std::string("\x80\x02}\x94(X\x01\x00\x00\x00"
                                                       "a]\x94h"
                                                       "\x00"
                                                       "au.",
                                                       18)));
    m = errorOf([&] { TorchFile f(ring); });
    EXPECT_EQ(m, ring +
                     ": archive/data.pkl: byte 16: SETITEM on a dict already inside another "
                     "container (a cycle?)")
        << m;
    // {} MEMOIZE GET(0) 1 SETITEM: a dict keyed by itself.
    const std::string key =
        dir.writePlain("key.pt", torchZip(std::string("\x80\x02}\x94h\x00K\x01s.", 10)));
    m = errorOf([&] { TorchFile f(key); });
    EXPECT_EQ(m, key + ": archive/data.pkl: byte 8: a container holding itself") << m;
    // Shared, complete values are still fine: [x, x] with x = [] memoized once.
    const std::string shared =
        dir.writePlain("shared.pt", torchZip(std::string("\x80\x02](]\x94h\x00"
                                                         "e.",
                                                         10)));
    const TorchFile f(shared);
    ASSERT_EQ(f.root().items.size(), 2u);
    EXPECT_EQ(f.root().items[0], f.root().items[1]);
}

}  // namespace
}  // namespace moe
