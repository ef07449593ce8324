// The device-resident layer op by op against the CPU oracle, over the grid: experts
// 8, 32, 64, 256; top-k 1, 2, 4, 6, 8; tokens 1, 17, 4096; float32 and bf16. Fresh random
// inputs every run (the seed is printed on failure), every output poisoned (all bits set, a
// NaN) before the op runs, so an element the op forgot to write fails. Tolerances, as a
// normalised error (max |gpu - cpu| / max |cpu|):
//   gate weights   fp32 1e-5   bf16 1e-4   (same bf16-rounded inputs; only the sum order differs)
//   top-k ids      exact, except two experts swapped whose scores lie within 1e-5
//   histogram, permutation (row of each pair, drops), gathered rows: exact
//   expert FFN     fp32 1e-4   bf16 3e-2   (bf16 rounds the w1|w3 product and the activation)
//   combine        fp32 1e-5   bf16 8e-3   (bf16 rounds the output)
//   whole layer    fp32 1e-4   bf16 3e-2
// For bf16 the CPU sees the very bf16 values the device holds (weights and inputs rounded
// on the host), so the error measured is the device's arithmetic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/common/error.h"
#include "core/model/cpu_backend.h"
#include "core/model/moe_layer.h"
#include "core/model/permute.h"
#include "gpu/bf16.h"
#include "gpu/device_memory.h"
#include "gpu/device_moe_layer.h"
#include "gpu_test_support.h"

namespace moe::gpu {
namespace {

struct Case {
    int experts, topK, tokens;
    DType dtype;
};

struct Tolerance {
    double gate, ffn, combine, layer;
};

Tolerance toleranceFor(DType d) {
    return d == DType::F32 ? Tolerance{1e-5, 1e-4, 1e-5, 1e-4} : Tolerance{1e-4, 3e-2, 8e-3, 3e-2};
}

double normalisedError(const std::vector<float>& got, const std::vector<float>& want) {
    double num = 0, den = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        const double d = std::abs(static_cast<double>(got[i]) - want[i]);
        num = std::isnan(d) ? INFINITY : std::max(num, d);
        den = std::max(den, std::abs(static_cast<double>(want[i])));
    }
    return den > 0 ? num / den : num;
}

// Host data as the device stores it (fp32, or bf16 bits), and back to float.
DeviceBuffer uploadAs(const std::vector<float>& v, DType d) {
    return d == DType::F32 ? DeviceBuffer::from(v) : DeviceBuffer::from(toBf16(v));
}

std::vector<float> downloadAs(const DeviceBuffer& b, size_t n, DType d) {
    if (d == DType::F32) return b.to<float>(n);
    const auto bits = b.to<uint16_t>(n);
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = bf16ToFloat(bits[i]);
    return out;
}

template <class Floats>
void roundAll(Floats& v) {
    for (float& x : v) x = roundToBf16(x);
}

// Everything one case needs, drawn fresh from `seed`.
struct Fixture {
    Case k;
    MoeLayerConfig c;
    std::unique_ptr<ModelWeights> w;
    std::vector<float> x;
    std::vector<int32_t> forced;  // distinct per token, skewed towards low expert ids

    Fixture(const Case& cs, uint64_t seed, double capacity = 0, int hidden = 64) : k(cs) {
        c.hidden = hidden;
        c.ffn = 96;
        c.experts = cs.experts;
        c.topK = cs.topK;
        c.capacityFactor = capacity;
        c.renormalize = true;
        w = std::make_unique<ModelWeights>(c, 1, seed);
        x.resize(static_cast<size_t>(cs.tokens) * c.hidden);
        ModelWeights::fill(x, x.size(), 1, seed ^ 0x5eed);
        if (cs.dtype == DType::BF16) {
            LayerWeights& lw = w->mutableLayer(0);
            roundAll(lw.gate);
            for (auto& e : lw.experts) {
                roundAll(e.w1);
                roundAll(e.w2);
                roundAll(e.w3);
            }
            roundAll(x);
        }
        std::mt19937_64 rng(seed);
        for (int t = 0; t < cs.tokens; ++t) {
            std::vector<int32_t> picked;
            while (static_cast<int>(picked.size()) < cs.topK) {
                // Half the draws from the first quarter of the experts: hot experts.
                const int range = rng() % 2 ? std::max(1, cs.experts / 4) : cs.experts;
                const int e = static_cast<int>(rng() % range);
                if (std::find(picked.begin(), picked.end(), e) == picked.end()) picked.push_back(e);
            }
            forced.insert(forced.end(), picked.begin(), picked.end());
        }
    }
    size_t pairs() const { return static_cast<size_t>(k.tokens) * k.topK; }
};

uint64_t freshSeed() {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

class DeviceLayerVsCpu : public ::testing::TestWithParam<Case> {};

TEST_P(DeviceLayerVsCpu, GateAndTopK) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const Case cs = GetParam();
    const uint64_t seed = freshSeed();
    SCOPED_TRACE("seed " + std::to_string(seed));
    Fixture f(cs, seed);
    const Tolerance tol = toleranceFor(cs.dtype);
    DeviceMoeLayer layer(f.c, f.w->layer(0), cs.dtype);
    DeviceBuffer x = uploadAs(f.x, cs.dtype), ids(f.pairs() * 4), wts(f.pairs() * 4);
    ids.poison();
    wts.poison();
    layer.gateTopK(x.get(), cs.tokens, nullptr, ids.as<int32_t>(), wts.as<float>());
    layer.synchronize();
    const auto gotIds = ids.to<int32_t>(f.pairs());
    const auto gotW = wts.to<float>(f.pairs());

    CpuBackend cpu;
    std::vector<int32_t> wantIds(f.pairs());
    std::vector<float> wantW(f.pairs());
    cpu.gateTopK({&f.c, f.x.data(), cs.tokens, f.w->layer(0).gate.data(), nullptr, wantIds.data(),
                  wantW.data()});
    // The device and the CPU sum the gate product in different orders, so two experts whose
    // scores lie within 1e-5 may come out in either order: such a swap is not an error, every
    // other difference is. Tokens with a swap are left out of the weight comparison.
    const int E = cs.experts, H = f.c.hidden, kk = cs.topK;
    int compared = 0, wrong = 0;
    std::vector<float> gw, cw;
    for (int t = 0; t < cs.tokens; ++t) {
        std::vector<double> s(E);
        double mx = -INFINITY, sum = 0;
        for (int e = 0; e < E; ++e) {
            double dot = 0;
            for (int h = 0; h < H; ++h)
                dot += double(f.x[size_t(t) * H + h]) * f.w->layer(0).gate[size_t(h) * E + e];
            s[e] = dot;
            mx = std::max(mx, dot);
        }
        for (double& v : s) sum += (v = std::exp(v - mx));
        for (double& v : s) v /= sum;
        const int32_t* got = gotIds.data() + size_t(t) * kk;
        const int32_t* want = wantIds.data() + size_t(t) * kk;
        bool swapped = false;
        for (int j = 0; j < kk; ++j) {
            if (got[j] == want[j]) continue;
            const bool valid = got[j] >= 0 && got[j] < E &&
                               std::find(got, got + j, got[j]) == got + j;  // distinct
            if (valid && std::abs(s[got[j]] - s[want[j]]) < 1e-5)
                swapped = true;
            else
                ++wrong;
        }
        if (swapped) continue;
        ++compared;
        for (int j = 0; j < kk; ++j) {
            gw.push_back(gotW[size_t(t) * kk + j]);
            cw.push_back(wantW[size_t(t) * kk + j]);
        }
    }
    EXPECT_EQ(wrong, 0);
    EXPECT_GE(compared, cs.tokens * 9 / 10) << "too many near-ties to compare the weights";
    EXPECT_LT(normalisedError(gw, cw), tol.gate);
}

// Histogram, permutation and gather, with and without capacity drops: exact.
TEST_P(DeviceLayerVsCpu, HistogramPermutationAndGather) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const Case cs = GetParam();
    const uint64_t seed = freshSeed();
    SCOPED_TRACE("seed " + std::to_string(seed));
    for (double capacity : {0.0, 1.0}) {
        SCOPED_TRACE("capacity factor " + std::to_string(capacity));
        Fixture f(cs, seed, capacity);
        DeviceMoeLayer layer(f.c, f.w->layer(0), cs.dtype);
        const int E = cs.experts, H = f.c.hidden;
        DeviceBuffer ids = DeviceBuffer::from(f.forced), counts(E * 4), rows(f.pairs() * 4);
        counts.poison();
        rows.poison();
        const std::vector<int32_t> offsets =
            layer.dispatch(ids.as<int32_t>(), cs.tokens, counts.as<int32_t>(), rows.as<int32_t>());
        layer.synchronize();

        std::vector<int64_t> wantCounts(E, 0);
        CpuBackend().expertHistogram(f.forced.data(), f.pairs(), E, wantCounts.data());
        std::vector<int32_t> kept(f.pairs());
        const std::vector<int64_t> zero(E, 0);
        const int64_t dropped = applyCapacity(f.forced.data(), static_cast<int>(f.pairs()),
                                              f.c.capacity(cs.tokens), zero.data(), E, kept.data());
        const ExpertGrouping g = groupByExpert(kept.data(), static_cast<int>(f.pairs()), E);
        std::vector<int32_t> wantRows(f.pairs(), -1);
        for (size_t i = 0; i < g.order.size(); ++i) wantRows[g.order[i]] = static_cast<int32_t>(i);

        const auto gotCounts = counts.to<int32_t>(E);
        EXPECT_EQ(std::vector<int64_t>(gotCounts.begin(), gotCounts.end()), wantCounts);
        EXPECT_EQ(offsets, g.offsets);
        EXPECT_EQ(rows.to<int32_t>(f.pairs()), wantRows);
        const auto published = layer.collectCounts();
        ASSERT_EQ(published.size(), 1u);
        EXPECT_EQ(published[0].counts, wantCounts);
        EXPECT_EQ(published[0].dropped, dropped);
        if (capacity > 0 && cs.tokens == 4096) {
            EXPECT_GT(dropped, 0) << "skewed ids must overflow";
        }

        // Gather: a pure copy of token rows into expert order.
        DeviceBuffer x = uploadAs(f.x, cs.dtype), xPerm((g.order.size() + 1) * H * 4);
        xPerm.poison();
        layer.gatherRows(x.get(), cs.tokens, rows.as<int32_t>(), xPerm.get());
        layer.synchronize();
        const auto got = downloadAs(xPerm, g.order.size() * H, cs.dtype);
        std::vector<int32_t> tokenOfRow(g.order.size());
        for (size_t i = 0; i < g.order.size(); ++i) tokenOfRow[i] = g.order[i] / cs.topK;
        std::vector<float> want(g.order.size() * H);
        gatherRows(f.x.data(), tokenOfRow.data(), static_cast<int>(tokenOfRow.size()), H,
                   want.data());
        EXPECT_EQ(got, want);
    }
}

TEST_P(DeviceLayerVsCpu, ExpertFfnAndCombine) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const Case cs = GetParam();
    const uint64_t seed = freshSeed();
    SCOPED_TRACE("seed " + std::to_string(seed));
    Fixture f(cs, seed);
    const Tolerance tol = toleranceFor(cs.dtype);
    const int E = cs.experts, H = f.c.hidden, kk = cs.topK;
    DeviceMoeLayer layer(f.c, f.w->layer(0), cs.dtype);
    // Rows grouped by expert as dispatch would leave them (checked above).
    const ExpertGrouping g = groupByExpert(f.forced.data(), static_cast<int>(f.pairs()), E);
    const size_t R = g.order.size();
    std::vector<float> xPerm(R * H), wantY(R * H);
    for (size_t i = 0; i < R; ++i)
        std::copy_n(f.x.data() + size_t(g.order[i] / kk) * H, H, xPerm.data() + i * H);
    CpuBackend cpu;
    for (int e = 0; e < E; ++e) {
        const int b = g.offsets[e], n = g.offsets[e + 1] - b;
        cpu.expertFfn({&f.w->layer(0).experts[e], H, f.c.ffn, xPerm.data() + size_t(b) * H, n,
                       wantY.data() + size_t(b) * H});
    }
    DeviceBuffer dx = uploadAs(xPerm, cs.dtype), dy(R * H * 4 + 4);
    dy.poison();
    layer.expertFfn(dx.get(), g.offsets, dy.get());
    layer.synchronize();
    const auto gotY = downloadAs(dy, R * H, cs.dtype);
    EXPECT_LT(normalisedError(gotY, wantY), tol.ffn);

    // Combine the device's expert outputs (as float) with the forced routing's weights.
    std::vector<float> weights(f.pairs());
    std::mt19937 rng(static_cast<uint32_t>(seed));
    for (float& w : weights) w = std::uniform_real_distribution<float>(0.05f, 1.0f)(rng);
    std::vector<int32_t> rowOfPair(f.pairs(), -1);
    for (size_t i = 0; i < R; ++i) rowOfPair[g.order[i]] = static_cast<int32_t>(i);
    std::vector<float> wantOut(size_t(cs.tokens) * H, 0.0f);
    for (size_t i = 0; i < R; ++i) {
        const int p = g.order[i];
        for (int h = 0; h < H; ++h) wantOut[size_t(p / kk) * H + h] += weights[p] * gotY[i * H + h];
    }
    DeviceBuffer rows = DeviceBuffer::from(rowOfPair), dw = DeviceBuffer::from(weights),
                 out(size_t(cs.tokens) * H * 4);
    out.poison();
    layer.combine(dy.get(), rows.as<int32_t>(), dw.as<float>(), cs.tokens, out.get());
    layer.synchronize();
    EXPECT_LT(normalisedError(downloadAs(out, wantOut.size(), cs.dtype), wantOut), tol.combine);
}

TEST_P(DeviceLayerVsCpu, WholeLayerForcedRouting) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    const Case cs = GetParam();
    const uint64_t seed = freshSeed();
    SCOPED_TRACE("seed " + std::to_string(seed));
    Fixture f(cs, seed);
    CpuBackend cpu;
    MoeLayer ref(f.c, f.w->layer(0), cpu);
    std::vector<float> want(f.x.size());
    LayerRouting r;
    ref.forward(f.x.data(), cs.tokens, f.forced.data(), want.data(), r);

    DeviceMoeLayer layer(f.c, f.w->layer(0), cs.dtype);
    DeviceBuffer x = uploadAs(f.x, cs.dtype), ids = DeviceBuffer::from(f.forced), y(f.x.size() * 4);
    y.poison();
    layer.forward(x.get(), cs.tokens, ids.as<int32_t>(), y.get());
    // The counts are published before the experts' work is done: no synchronize() first.
    const auto published = layer.collectCounts();
    ASSERT_EQ(published.size(), 1u);
    EXPECT_EQ(published[0].counts, r.counts);
    layer.synchronize();
    EXPECT_LT(normalisedError(downloadAs(y, f.x.size(), cs.dtype), want),
              toleranceFor(cs.dtype).layer);
    const LayerTimings t = layer.lastTimings();
    EXPECT_GT(t.routingMs + t.ffnMs + t.combineMs, 0.0f);
}

std::vector<Case> grid() {
    std::vector<Case> cases;
    for (DType d : {DType::F32, DType::BF16})
        for (int e : {8, 32, 64, 256})
            for (int k : {1, 2, 4, 6, 8})
                for (int t : {1, 17, 4096}) cases.push_back({e, k, t, d});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Grid, DeviceLayerVsCpu, ::testing::ValuesIn(grid()),
                         [](const ::testing::TestParamInfo<Case>& i) {
                             return std::string("E") + std::to_string(i.param.experts) + "_k" +
                                    std::to_string(i.param.topK) + "_T" +
                                    std::to_string(i.param.tokens) + "_" + toString(i.param.dtype);
                         });

// Gather and combine move rows in 16-byte pieces when the row size allows; H = 36 (72 bytes
// in bf16, 144 in fp32) takes the element-wise kernels in bf16 and the vector ones in fp32.
TEST(DeviceMoeLayer, RowsOfAnySizeMatchTheCpu) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    for (DType d : {DType::F32, DType::BF16}) {
        const uint64_t seed = freshSeed();
        SCOPED_TRACE(std::string(toString(d)) + ", seed " + std::to_string(seed));
        Fixture f({8, 2, 17, d}, seed, 0, 36);
        CpuBackend cpu;
        MoeLayer ref(f.c, f.w->layer(0), cpu);
        std::vector<float> want(f.x.size());
        LayerRouting r;
        ref.forward(f.x.data(), 17, f.forced.data(), want.data(), r);
        DeviceMoeLayer layer(f.c, f.w->layer(0), d);
        DeviceBuffer x = uploadAs(f.x, d), ids = DeviceBuffer::from(f.forced), y(f.x.size() * 4);
        y.poison();
        layer.forward(x.get(), 17, ids.as<int32_t>(), y.get());
        layer.synchronize();
        EXPECT_LT(normalisedError(downloadAs(y, f.x.size(), d), want), toleranceFor(d).layer);
    }
}

TEST(DeviceMoeLayer, AnExpertIdOutOfRangeIsAnError) {
    MOE_SKIP_WITHOUT_CUDA_DEVICE();
    Fixture f({8, 2, 17, DType::F32}, 3);
    DeviceMoeLayer layer(f.c, f.w->layer(0), DType::F32);
    f.forced[5] = 8;
    DeviceBuffer x = uploadAs(f.x, DType::F32), ids = DeviceBuffer::from(f.forced),
                 y(f.x.size() * 4);
    EXPECT_THROW(layer.forward(x.get(), 17, ids.as<int32_t>(), y.get()), Error);
}

TEST(DeviceMoeLayer, WithoutADeviceItSaysWhy) {
    if (testing::noDeviceReason().empty()) GTEST_SKIP() << "a device is present";
    MoeLayerConfig c;
    ModelWeights w(c, 1, 1);
    EXPECT_THROW(DeviceMoeLayer(c, w.layer(0), DType::F32), Error);
}

}  // namespace
}  // namespace moe::gpu
