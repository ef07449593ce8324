// The grouped expert FFN (one call for all of a rank's experts, experts side by side on the
// threads) must compute what one expertFfn call per expert computes: the per-expert path is
// the oracle the fast path is held to, with a hot expert that takes most rows, small ones,
// single rows and empty experts in the same call.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/model/cpu_backend.h"
#include "core/model/expert_weights.h"

namespace moe {
namespace {

struct Grouped {
    MoeLayerConfig c;
    std::vector<int> offsets{0};
    std::vector<float> x;
    explicit Grouped(const std::vector<int>& rows) {
        c.hidden = 64;
        c.ffn = 160;
        c.experts = static_cast<int>(rows.size());
        c.topK = 1;
        for (int n : rows) offsets.push_back(offsets.back() + n);
        x.resize(static_cast<size_t>(offsets.back()) * c.hidden);
        ModelWeights::fill(x, x.size(), 1, 11);
    }
};

// Each expert alone on one thread, as the engine ran it before grouping.
std::vector<float> perExpert(const Grouped& g, const ModelWeights& w) {
    CpuBackend cpu;
    setComputeThreadsForThisThread(1);
    std::vector<float> y(g.x.size(), NAN);
    const int H = g.c.hidden;
    for (int e = 0; e < g.c.experts; ++e) {
        const int begin = g.offsets[e], n = g.offsets[e + 1] - begin;
        if (n > 0)
            cpu.expertFfn({&w.layer(0).experts[e], H, g.c.ffn,
                           g.x.data() + static_cast<size_t>(begin) * H, n,
                           y.data() + static_cast<size_t>(begin) * H});
    }
    return y;
}

std::vector<float> grouped(const Grouped& g, const ModelWeights& w, int threads) {
    CpuBackend cpu;
    setComputeThreadsForThisThread(threads);
    std::vector<float> y(g.x.size(), NAN);
    cpu.expertFfnGroup({w.layer(0).experts.data(), g.c.experts, g.c.hidden, g.c.ffn,
                        g.offsets.data(), g.x.data(), y.data()});
    setComputeThreadsForThisThread(1);
    return y;
}

TEST(ExpertFfnGroup, EqualsOneCallPerExpertWithHotSmallAndEmptyExperts) {
    // 270 rows: expert 1 holds 200 (more than half: all threads on its products), the rest
    // run side by side; experts 0 and 4 have none.
    const Grouped g({0, 200, 3, 1, 0, 17, 9, 40});
    const ModelWeights w(g.c, 1, 5);
    const std::vector<float> want = perExpert(g, w);
    for (int threads : {1, 2, 3}) {
        const std::vector<float> got = grouped(g, w, threads);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_TRUE(std::isfinite(got[i])) << "row " << i / 64 << " not written";
            // A product on several threads may block its sums differently: rounding only.
            EXPECT_NEAR(got[i], want[i], 1e-5f * (1 + std::abs(want[i])))
                << "threads " << threads << ", row " << i / 64;
        }
    }
}

TEST(ExpertFfnGroup, DecodeSizedStepsOfAFewRowsPerExpert) {
    const Grouped g({2, 1, 0, 3, 1, 1, 2, 0, 1, 4, 2, 1});
    const ModelWeights w(g.c, 1, 9);
    const std::vector<float> want = perExpert(g, w);
    const std::vector<float> got = grouped(g, w, 2);
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "row " << i / 64;
}

TEST(ExpertFfnGroup, NoRowsAtAllIsANoOp) {
    const Grouped g({0, 0, 0});
    const ModelWeights w(g.c, 1, 1);
    EXPECT_TRUE(grouped(g, w, 2).empty());
}

}  // namespace
}  // namespace moe
