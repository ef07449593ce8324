// The guideline sweep on Mixtral 8x7B, 4 GPUs, 512-token prefill, fp16 (MoE-GPS's setting):
// distribution-only wins at high bandwidth and low skew, token-to-expert only at high skew
// with low bandwidth; prints the table and the gap next to the paper's 23%.
#include "core/balance/perf_sweep.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "core/common/error.h"

namespace moe {
namespace {

const SweepRow& winnerAt(const std::vector<SweepRow>& rows, double skew, double gbs) {
    for (const SweepRow& r : rows)
        if (r.winner && r.skew == skew && r.bandwidthGBs == gbs) return r;
    throw std::runtime_error("no winner");
}

TEST(PerfSweep, WinnersFollowThePapersStory) {
    const SweepSpec spec = SweepSpec::moeGpsFigure();
    const std::vector<SweepRow> rows = sweep(spec);
    std::printf("%s", sweepTable(rows).c_str());
    ASSERT_EQ(rows.size(), 5u * 4u * 6u);
    int winners = 0;
    for (const SweepRow& r : rows) {
        if (!r.winner) continue;
        ++winners;
        EXPECT_NE(r.kind, StrategyKind::None) << r.skew << " " << r.bandwidthGBs;
        if (r.kind != StrategyKind::TokenToExpert) continue;
        // Only at high skew and low bandwidth (the upper half of the skew range, the lowest
        // bandwidths), and the region is closed towards more skew and less bandwidth.
        EXPECT_GE(r.skew, 1.6);
        EXPECT_LE(r.bandwidthGBs, 64);
        for (const SweepRow& o : rows)
            if (o.winner && o.skew >= r.skew && o.bandwidthGBs <= r.bandwidthGBs)
                EXPECT_EQ(o.kind, StrategyKind::TokenToExpert) << o.skew << " " << o.bandwidthGBs;
    }
    EXPECT_EQ(winners, 20);
    EXPECT_EQ(winnerAt(rows, 1.2, 600).kind, StrategyKind::DistributionOnly);
    EXPECT_EQ(winnerAt(rows, 1.4, 600).kind, StrategyKind::DistributionOnly);
    EXPECT_EQ(winnerAt(rows, 2.0, 32).kind, StrategyKind::TokenToExpert);
    const std::string csv = sweepCsv(rows);
    EXPECT_EQ(csv.substr(0, csv.find('\n')),
              "skew,bandwidth_gbs,strategy,total_ms,winner,pred_us,attn_us,scatter_us,ffn_us,"
              "gather_us,copy_us");
}

TEST(PerfSweep, GapAtMmluLikeSkewNextToThePaper) {
    const SweepSpec spec = SweepSpec::moeGpsFigure();
    for (double gbs : spec.bandwidthsGBs) {
        const StrategyGap g = distributionVsTokenGap(spec, kMmluLikeSkew, gbs);
        std::printf(
            "skew %.2f, %4.0f GB/s: dist_only %.3f ms, best token-to-expert (%s) %.3f ms:"
            " dist_only faster by %.1f%% (paper: more than %.0f%%)\n",
            g.skew, g.bandwidthGBs, g.distributionSeconds * 1e3, g.bestToken.c_str(),
            g.tokenSeconds * 1e3, g.gapPercent, g.paperGapPercent);
        EXPECT_GT(g.gapPercent, 0);  // distribution-only wins at MMLU-like skew
    }
    SweepSpec noToken = spec;
    noToken.strategies = {Strategy::none(), Strategy::distributionOnly(0.05)};
    EXPECT_THROW(distributionVsTokenGap(noToken, 1.4, 600), Error);
}

}  // namespace
}  // namespace moe
