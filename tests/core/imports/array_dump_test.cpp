// .npy routing written by numpy.save (tests/data/imports/make_fixtures.py): routed experts per
// request replay in lockstep; router scores and logits give each token's top-k; and damaged,
// big-endian or Fortran-order files are named errors.
#include "core/imports/array_dump.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/imports/npy_file.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kNpyDir = test::importFixture("npy/");

TEST(ArrayDump, RoutedExpertsRequestsInLockstep) {
    const ImportedRouting r =
        readArrayDump({kNpyDir + "request_0.npy", kNpyDir + "request_1.npy"}, 0);
    ASSERT_EQ(r.topK, 2);
    ASSERT_EQ(r.layers.size(), 4u);
    ASSERT_EQ(r.tokens.size(), 6u);  // 4 + 2 tokens
    EXPECT_EQ(r.steps(), 4);
    const auto requests = test::expectedImport("routed_experts");
    for (size_t t = 0; t < r.tokens.size(); ++t) {
        const auto& tok = r.tokens[t];
        EXPECT_EQ(tok.position, tok.step);
        const auto& want = requests[tok.sequence][tok.position];
        for (int l = 0; l < 4; ++l)
            for (int j = 0; j < 2; ++j)
                EXPECT_EQ(r.ids[(t * 4 + l) * 2 + j], want[l][j].get<int32_t>());
    }
}

TEST(ArrayDump, RouterScoresAndLogitsGiveEachTokensTopK) {
    ImportedRouting r = readArrayDump({kNpyDir + "router_scores_stacked.npy"}, 0);
    EXPECT_EQ(r.topK, 2) << "two non-zero scores per token";
    auto top = test::expectedImport("router_scores_top");
    for (int t = 0; t < 5; ++t)
        for (int l = 0; l < 4; ++l)
            for (int j = 0; j < 2; ++j)
                EXPECT_EQ(r.ids[(t * 4 + l) * 2 + j], top[l][t][j].get<int32_t>());
    std::vector<std::string> layers;
    for (int l = 0; l < 4; ++l)
        layers.push_back(kNpyDir + "logits_per_layer/layer_0" + std::to_string(l) + ".npy");
    EXPECT_THROW(readArrayDump(layers, 0), Error) << "dense logits need k";
    r = readArrayDump(layers, 2);
    top = test::expectedImport("router_logits_top2");
    for (int t = 0; t < 3; ++t)
        for (int l = 0; l < 4; ++l)
            for (int j = 0; j < 2; ++j)
                EXPECT_EQ(r.ids[(t * 4 + l) * 2 + j], top[l][t][j].get<int32_t>());
}

void expectNpyError(const std::string& bytes, const std::string& needle) {
    const std::string path = (std::filesystem::temp_directory_path() / "moe_bad.npy").string();
    std::ofstream(path, std::ios::binary) << bytes;
    try {
        readNpy(path);
        ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    std::filesystem::remove(path);
}

std::string npy(const std::string& header, const std::string& data) {
    std::string h = header;
    while ((10 + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
    return out + h + data;
}

TEST(ArrayDump, DamagedNpyFilesAreNamed) {
    std::ifstream in(kNpyDir + "request_0.npy", std::ios::binary);
    const std::string good{std::istreambuf_iterator<char>(in), {}};
    expectNpyError(good.substr(0, good.size() - 3), "bytes of data");
    expectNpyError("not numpy", "no \\x93NUMPY magic");
    expectNpyError(npy("{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", "abcd"),
                   "big-endian");
    expectNpyError(npy("{'descr': '<i4', 'fortran_order': True, 'shape': (1,), }", "abcd"),
                   "Fortran");
    expectNpyError(npy("{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }", "abcd"),
                   "dtype");
    expectNpyError(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999,), }", ""),
                   "bytes of data");
}

// The selection's edge cases, on float32 logits of 2 tokens x 5 experts: ties go to the lower
// id, -0 ties with +0, NaN ranks below every number (even -inf), and top-k = every expert
// orders them all.
TEST(ArrayDump, TopKBreaksTiesToTheLowerIdAndRanksNanLast) {
    const float nan = std::nanf(""), inf = INFINITY;
    const float logits[10] = {1.f, 3.f,  3.f,  -0.f, nan,   // token 0
                              0.f, -0.f, -inf, nan,  2.f};  // token 1
    const std::string path = (std::filesystem::temp_directory_path() / "moe_topk.npy").string();
    std::ofstream(path, std::ios::binary)
        << npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5), }",
               std::string(reinterpret_cast<const char*>(logits), sizeof logits));
    const ImportedRouting r = readArrayDump({path}, 5);
    std::filesystem::remove(path);
    EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2, 0, 3, 4, 4, 0, 1, 2, 3}));
}

// 3,000 tokens (three blocks of rows) of random logits, one thread or three (threads share
// the blocks out): each token's top-3 equals a full sort's, ties to the lower id.
TEST(ArrayDump, TopKOfManyTokensMatchesASortOnAnyNumberOfThreads) {
    constexpr int T = 3000, E = 8, k = 3;
    std::vector<float> logits(T * E);
    uint32_t state = 12345;
    for (float& v : logits) {  // coarse values, so ties are common
        state = state * 1664525u + 1013904223u;
        v = static_cast<float>(state >> 28);
    }
    const std::string path =
        (std::filesystem::temp_directory_path() / "moe_topk_many.npy").string();
    std::ofstream(path, std::ios::binary)
        << npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3000, 8), }",
               std::string(reinterpret_cast<const char*>(logits.data()), logits.size() * 4));
    std::vector<int32_t> want;
    for (int t = 0; t < T; ++t) {
        std::vector<int32_t> order(E);
        for (int e = 0; e < E; ++e) order[e] = e;
        std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
            return logits[t * E + a] > logits[t * E + b];
        });
        want.insert(want.end(), order.begin(), order.begin() + k);
    }
    for (const char* threads : {"1", "3"}) {
        setenv("MOE_IMPORT_THREADS", threads, 1);
        EXPECT_EQ(readArrayDump({path}, k).ids, want) << threads << " thread(s)";
    }
    unsetenv("MOE_IMPORT_THREADS");
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace moe
