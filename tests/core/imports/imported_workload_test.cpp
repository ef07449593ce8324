// Imported recordings as workloads: counts-only steps routed so every expert gets exactly its
// recorded count with distinct experts per token (the documented rule), per-token steps
// replayed as recorded, and a top-k that does not fit the counts refused.
#include "core/imports/imported_workload.h"

#include <gtest/gtest.h>

#include <set>

#include "core/common/error.h"
#include "core/imports/sglang_dump.h"
#include "core/stats/load_matrix.h"
#include "tests/core/imports/import_fixtures.h"

namespace moe {
namespace {

const std::string kImportsDir = test::importFixture("");

TEST(ImportedWorkload, CountsAreRoutedExactly) {
    const ImportedRouting r = readSglangDump({kImportsDir + "sglang_stat.pt"});
    ImportedWorkload w(r);
    EXPECT_EQ(w.shape().topK, 2);  // inferred: the fixture routes top-2
    EXPECT_EQ(w.shape().layers, 3);
    Step s;
    size_t steps = 0;
    while (w.next(s)) {
        LoadMatrix m(3, 8);
        m.accumulate(s, 2);
        for (int l = 0; l < 3; ++l)
            for (int e = 0; e < 8; ++e)
                EXPECT_EQ(m.at(l, e), r.stepLoads[steps][l * 8 + e]) << "step " << steps;
        for (int l = 0; l < 3; ++l)
            for (int t = 0; t < s.tokens; ++t) {
                const auto ids = s.layerExperts(l, 2).subspan(static_cast<size_t>(t) * 2, 2);
                EXPECT_NE(ids[0], ids[1]) << "a token picked one expert twice";
            }
        ++steps;
    }
    EXPECT_EQ(steps, r.stepLoads.size());
    EXPECT_NE(w.describe().find("counts routed exactly, top_k=2"), std::string::npos);
    EXPECT_THROW(ImportedWorkload(r, 0, 3), Error) << "top-3 does not split these counts";
}

TEST(ImportedWorkload, PerTokenStepsReplayAsRecorded) {
    const ImportedRouting r = readSglangDump({kImportsDir + "sglang_per_token_0.pt"});
    ImportedWorkload w(r, 1);  // the first pass only
    EXPECT_TRUE(w.shape().hasSequenceIds);
    EXPECT_TRUE(w.shape().hasTokenIds);
    Step s;
    ASSERT_TRUE(w.next(s));
    ASSERT_EQ(s.tokens, 5);
    for (int t = 0; t < 5; ++t) {
        EXPECT_EQ(s.tokenIds[t], r.tokens[t].id);
        EXPECT_EQ(s.positions[t], r.tokens[t].position);
        for (int l = 0; l < 4; ++l)
            for (int j = 0; j < 2; ++j)
                EXPECT_EQ(s.layerExperts(l, 2)[t * 2 + j], r.ids[(t * 4 + l) * 2 + j]);
    }
    EXPECT_FALSE(w.next(s)) << "max steps 1";
    EXPECT_THROW(ImportedWorkload(r, 0, 4), Error) << "the recording says top-2";
}

TEST(ImportedWorkload, TopKInference) {
    // One layer, 4 experts: counts 3,3,2,0 are 4 tokens x 2 (no count above 4) but not x 3.
    const std::vector<std::vector<int64_t>> loads{{3, 3, 2, 0}};
    EXPECT_EQ(inferTopK(loads, 1, 4), 2);
    EXPECT_EQ(inferTopK({{5, 1, 0, 0}}, 1, 4), 1);  // 5 > 6/2: only top-1 fits
}

}  // namespace
}  // namespace moe
