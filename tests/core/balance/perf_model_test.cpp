// The MoE-GPS-style performance model: terms add up, the all-to-all term follows the paper's
// volume formula, times move the right way with skew and bandwidth, the presets hold the
// documented numbers, and calibration compares with measured times.
#include "core/balance/perf_model.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/balance/perf_sweep.h"
#include "core/common/error.h"

namespace moe {
namespace {

PerfConfig mixtral(double skew, double gbs) {
    PerfConfig c;  // defaults: Mixtral 8x7B, 4 GPUs, 512 tokens, fp16
    c.skew = skew;
    c.linkGBs = gbs;
    return c;
}

TEST(PerfModel, TermsAddUpAndFollowTheFormulas) {
    const PerfConfig c = mixtral(1.5, 600);
    const LayerTimes t = modelLayer(c, Strategy::none());
    double sum = 0;
    for (const auto& [name, seconds] : t.terms()) sum += seconds;
    EXPECT_DOUBLE_EQ(sum, t.total());
    EXPECT_EQ(t.terms().size(), 6u);
    // T*k*h*bytes*(G-1)*s/G^2 / B = 512*2*4096*2*3*1.5/16 / 600e9.
    EXPECT_NEAR(t.scatter, 512.0 * 2 * 4096 * 2 * 3 * 1.5 / 16 / 600e9, 1e-15);
    EXPECT_NEAR(t.gather, t.scatter, 1e-15);
    // 256 pairs per rank x 6*4096*14336 FLOP at 312 TFLOP/s, times s.
    EXPECT_NEAR(t.ffnBalanced, 256.0 * 6 * 4096 * 14336 / 312e12, 1e-12);
    EXPECT_NEAR(t.ffn, 1.5 * t.ffnBalanced, 1e-12);
    EXPECT_EQ(t.pred, 0);
    EXPECT_NEAR(modelSeconds(c, Strategy::none()), 32 * t.total(), 1e-12);

    const LayerTimes d = modelLayer(c, Strategy::distributionOnly(0.1));
    EXPECT_NEAR(d.ffn, 1.1 * t.ffnBalanced, 1e-12);
    EXPECT_NEAR(d.scatter, t.scatter, 1e-15);
    const LayerTimes k = modelLayer(c, Strategy::tokenToExpert("t2e", 0.8, 5e-6));
    EXPECT_NEAR(k.ffn, 1.2 * t.ffnBalanced, 1e-12);
    EXPECT_NEAR(k.scatter, 0.2 * t.scatter, 1e-15);  // correct guesses skip the scatter
    EXPECT_EQ(k.pred, 5e-6);
}

TEST(PerfModel, MonotonicInSkewAndBandwidth) {
    for (const Strategy& s : defaultStrategies(PerfConfig{})) {
        SCOPED_TRACE(s.name);
        for (double gbs : {600.0, 200.0, 64.0, 32.0}) {
            double last = 0;
            for (double skew : {1.0, 1.2, 1.6, 2.0}) {
                const double t = modelSeconds(mixtral(skew, gbs), s);
                EXPECT_GT(t, last);
                last = t;
            }
        }
        for (double skew : {1.2, 2.0}) {
            double last = INFINITY;
            for (double gbs : {32.0, 64.0, 200.0, 600.0}) {
                const double t = modelSeconds(mixtral(skew, gbs), s);
                EXPECT_LT(t, last);
                last = t;
            }
        }
    }
}

TEST(PerfModel, BandwidthPresets) {
    const BandwidthMatrix nv = BandwidthMatrix::preset("nvlink4", 4);
    EXPECT_EQ(nv.gbs(0, 3), 450);
    EXPECT_EQ(BandwidthMatrix::preset("pcie4", 4).gbs(1, 2), 25);
    const BandwidthMatrix ib = BandwidthMatrix::preset("2node_ib", 4);
    EXPECT_EQ(ib.gbs(0, 1), 450);
    EXPECT_EQ(ib.gbs(1, 2), 50);
    EXPECT_THROW(BandwidthMatrix::preset("2node_ib", 3), Error);
    EXPECT_THROW(BandwidthMatrix::preset("nvlink5", 4), Error);
    // On two nodes a rank's scatter crosses one NVLink and two InfiniBand links.
    PerfConfig c = mixtral(1.0, 600);
    c.links = ib;
    const double pair = 512.0 * 2 * 4096 * 2 / 16;
    EXPECT_NEAR(allToAllSeconds(c, 1.0, false), pair / 450e9 + 2 * pair / 50e9, 1e-15);
    c.links = BandwidthMatrix::preset("nvlink4", 8);
    EXPECT_THROW(modelLayer(c, Strategy::none()), Error);
}

TEST(PerfModel, Calibration) {
    const std::vector<double> measured{1, 2, 4}, model{2, 4, 8};
    const Calibration c = calibrate(measured, model);
    EXPECT_EQ(c.points, 3u);
    EXPECT_NEAR(c.meanRelativeError, 1.0, 1e-12);
    EXPECT_NEAR(c.scale, 0.5, 1e-12);
    EXPECT_NEAR(c.errorAfterScale, 0, 1e-12);
    EXPECT_NEAR(calibrate(std::vector<double>{1, 2}, std::vector<double>{1.5, 1}).meanRelativeError,
                0.5, 1e-12);
    EXPECT_THROW(calibrate(measured, std::vector<double>{1}), Error);
}

}  // namespace
}  // namespace moe
