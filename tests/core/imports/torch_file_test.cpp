// torch.save files written by Debian's python3-torch (tests/data/imports/make_fixtures.py):
// every scalar kind, nested containers, each dtype, strided views and shared storages read
// back exactly; a foreign construct, a non-zip, a truncated archive and random damage each end
// in one moe::Error naming the file, never a crash.
#include "core/imports/torch_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kTorchDir = test::importFixture("");

std::vector<char> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string writeTemp(const std::vector<char>& bytes, const std::string& name) {
    const std::string path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

const PickledTensor& tensorAt(const PickleValue& root, const std::string& key) {
    const PickleValue* v = root.find(key);
    EXPECT_NE(v, nullptr) << key;
    EXPECT_EQ(v->kind, PickleValue::Kind::Tensor) << key;
    return *v->tensor;
}

TEST(TorchFile, ScalarsAndContainersReadBack) {
    const TorchFile f(kTorchDir + "mixed.pt");
    const PickleValue& r = f.root();
    ASSERT_EQ(r.kind, PickleValue::Kind::Dict);
    EXPECT_EQ(r.find("none")->kind, PickleValue::Kind::None);
    EXPECT_TRUE(r.find("yes")->boolean);
    EXPECT_FALSE(r.find("no")->boolean);
    EXPECT_EQ(r.find("small")->integer, 7);
    EXPECT_EQ(r.find("negative")->integer, -3);
    EXPECT_EQ(r.find("big")->integer, int64_t{1} << 40);
    EXPECT_DOUBLE_EQ(r.find("float")->number, 0.25);
    EXPECT_EQ(r.find("text")->text, "layer_id,expert_id");
    EXPECT_EQ(r.find("unicode")->text,
              "\xc3\x9cn\xc3\xaf"
              "code");
    const PickleValue* list = r.find("list");
    ASSERT_EQ(list->items.size(), 4u);
    EXPECT_EQ(list->items[2]->text, "three");
    EXPECT_EQ(r.find("tuple")->kind, PickleValue::Kind::Tuple);
    EXPECT_EQ(r.find("nested")->find("a")->items[1]->items[0]->integer, 3);
    const PickleValue* ordered = r.find("ordered");
    ASSERT_EQ(ordered->kind, PickleValue::Kind::Dict);
    EXPECT_EQ(ordered->find("n")->integer, 1);
}

TEST(TorchFile, EveryDtypeAndViewReadsBack) {
    const TorchFile f(kTorchDir + "mixed.pt");
    const PickleValue& r = f.root();
    EXPECT_EQ(f.integers(tensorAt(r, "i32"), "i32"), (std::vector<int64_t>{1, -2, 3}));
    EXPECT_EQ(tensorAt(r, "i32").shape, (std::vector<int64_t>{1, 3}));
    std::vector<int64_t> arange(12);
    for (int i = 0; i < 12; ++i) arange[i] = i;
    EXPECT_EQ(f.integers(tensorAt(r, "i64"), "i64"), arange);
    // base.t() shares base's storage with strides (1, 4); base[1] starts at offset 4.
    EXPECT_EQ(f.integers(tensorAt(r, "transposed"), "t"),
              (std::vector<int64_t>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}));
    EXPECT_EQ(f.integers(tensorAt(r, "row"), "row"), (std::vector<int64_t>{4, 5, 6, 7}));
    EXPECT_EQ(f.integers(tensorAt(r, "i16"), "i16"), (std::vector<int64_t>{1, 2, 3}));
    EXPECT_EQ(f.integers(tensorAt(r, "u8"), "u8"), (std::vector<int64_t>{0, 255}));
    EXPECT_EQ(f.integers(tensorAt(r, "scalar"), "scalar"), (std::vector<int64_t>{9}));
    EXPECT_EQ(f.numbers(tensorAt(r, "f32"), "f32"), (std::vector<double>{0.5, -1.5}));
    EXPECT_EQ(f.numbers(tensorAt(r, "f64"), "f64"), (std::vector<double>{1e-300}));
    EXPECT_EQ(f.numbers(tensorAt(r, "bf16"), "bf16"), (std::vector<double>{1.0, -2.0, 0.5}));
    EXPECT_EQ(f.numbers(tensorAt(r, "f16"), "f16"), (std::vector<double>{0.25, 3.0}));
    try {
        f.integers(tensorAt(r, "f32"), "f32");
        ADD_FAILURE() << "float counts accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
    }
}

TEST(TorchFile, SglangStatCountsReadBack) {
    const TorchFile f(kTorchDir + "sglang_stat.pt");
    const PickledTensor& t = tensorAt(f.root(), "logical_count");
    EXPECT_EQ(t.dtype, "int32");
    EXPECT_EQ(t.shape, (std::vector<int64_t>{6, 4, 8}));
    const std::vector<int64_t> counts = f.integers(t, "logical_count");
    ASSERT_EQ(counts.size(), 6u * 4 * 8);
    for (int pass = 0; pass < 6; ++pass)
        for (int e = 0; e < 8; ++e) EXPECT_EQ(counts[pass * 32 + e], 0) << "layer 0 is dense";
    // Exactly what make_fixtures.py drew (expected.json, written by the same script).
    const std::vector<char> json = slurp(kTorchDir + "expected.json");
    const auto drawn = nlohmann::json::parse(json.begin(), json.end())["sglang_stat.pt"];
    size_t i = 0;
    for (const auto& pass : drawn["logical_count"])
        for (const auto& layer : pass)
            for (const auto& c : layer) EXPECT_EQ(counts[i++], c.get<int64_t>());
    EXPECT_EQ(i, counts.size());
}

void expectError(const std::string& path, const std::string& needle) {
    try {
        TorchFile f(path);
        ADD_FAILURE() << path << " was accepted";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path), std::string::npos) << what;
        EXPECT_NE(what.find(needle), std::string::npos) << what;
    }
}

TEST(TorchFile, ForeignAndBrokenFilesAreNamedErrors) {
    expectError(kTorchDir + "foreign_set.pt", "builtins.set");
    expectError(kTorchDir + "make_fixtures.py", "not a readable zip archive");
    expectError(kTorchDir + "no_such.pt", "not a readable zip archive");
    const std::vector<char> bytes = slurp(kTorchDir + "mixed.pt");
    const std::string cut =
        writeTemp({bytes.begin(), bytes.begin() + bytes.size() / 2}, "moe_truncated.pt");
    expectError(cut, "zip");
    std::remove(cut.c_str());
}

// Random damage anywhere in a real file: the reader either reads something or says what is
// wrong; it never crashes, hangs or throws anything but moe::Error.
TEST(TorchFile, RandomDamageIsAnErrorOrAValue) {
    const std::vector<char> clean = slurp(kTorchDir + "mixed.pt");
    std::mt19937 rng(17);
    int errors = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::vector<char> bytes = clean;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        if (trial % 5 == 0) bytes.resize(rng() % bytes.size());
        const std::string path = writeTemp(bytes, "moe_damaged.pt");
        try {
            const TorchFile f(path);
            for (const auto& [key, value] : f.root().entries)
                if (value->kind == PickleValue::Kind::Tensor) f.numbers(*value->tensor, "t");
        } catch (const Error& e) {
            ++errors;
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
        std::remove(path.c_str());
    }
    EXPECT_GT(errors, 100);
}

}  // namespace
}  // namespace moe
