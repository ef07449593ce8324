// The busy-time fit recovers a FLOP rate and a cost per expert call from samples made with
// them, falls back to the rate alone when calls explain nothing, and ignores unmeasured samples.
#include "core/engine/busy_time_fit.h"

#include <gtest/gtest.h>

namespace moe {
namespace {

TEST(BusyTimeFit, RecoversRateAndCostPerCall) {
    BusyTimeFit fit;
    const double rate = 120e9, perCall = 30e-6;
    for (int rows = 1; rows <= 200; rows += 7)
        for (int calls = 1; calls <= 8; ++calls) {
            const double flops = 6.0 * 128 * 352 * rows;
            fit.add(flops, calls, flops / rate + calls * perCall);
        }
    fit.add(1e9, 3, 0);  // a replayed step: no time, no sample
    const BusyTimeFit::Result r = fit.fit();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.samples, 29u * 8u);
    EXPECT_NEAR(r.flopRate / rate, 1.0, 1e-6);
    EXPECT_NEAR(r.secondsPerCall / perCall, 1.0, 1e-6);
    EXPECT_NEAR(BusyTimeFit::predict(r, 2.4e9, 2), 2.4e9 / rate + 2 * perCall, 1e-12);
}

TEST(BusyTimeFit, WithoutAFixedCostTheRateAloneRemains) {
    BusyTimeFit fit;
    for (int rows = 1; rows < 50; ++rows) fit.add(1e6 * rows, rows % 3 + 1, 1e6 * rows / 5e10);
    const BusyTimeFit::Result r = fit.fit();
    ASSERT_TRUE(r.ok);
    EXPECT_NEAR(r.flopRate / 5e10, 1.0, 1e-6);
    EXPECT_NEAR(r.secondsPerCall, 0.0, 1e-12);
    EXPECT_FALSE(BusyTimeFit().fit().ok);  // nothing measured, nothing fitted
}

}  // namespace
}  // namespace moe
