// Every op of the trainer against finite differences in double precision on tiny shapes:
// linear, RMSNorm, causal attention, cross-entropy, and the core's MoE layer (softmax with
// renormalisation, sigmoid without, with the switch aux loss and with a selection bias).
#include <gtest/gtest.h>

#include "core/model/moe_train_layer.h"
#include "core/train/causal_attention.h"
#include "core/train/cross_entropy.h"
#include "core/train/linear.h"
#include "core/train/rms_norm.h"
#include "grad_check.h"

namespace moe::train {
namespace {
using namespace test;

TEST(OpGradient, Linear) {
    const int n = 3, in = 4, out = 5;
    auto x = values(n * in, 1), w = values(in * out, 2), r = values(n * out, 3);
    std::vector<double> y(n * out), dx(n * in), dw(in * out, 0.0);
    auto loss = [&] {
        linearForward(x.data(), n, in, w.data(), out, y.data());
        return dotLoss(y, r);
    };
    loss();
    linearBackward(x.data(), n, in, w.data(), out, r.data(), dx.data(), dw.data());
    EXPECT_LT(logged("x", relativeError(dx, numericGradient(x, loss))), kMaxRelativeError);
    EXPECT_LT(logged("w", relativeError(dw, numericGradient(w, loss))), kMaxRelativeError);
}

TEST(OpGradient, RmsNorm) {
    const int n = 3, d = 6;
    auto x = values(n * d, 4), g = values(d, 5), r = values(n * d, 6);
    std::vector<double> y(n * d), inv(n), dx(n * d), dg(d, 0.0);
    auto loss = [&] {
        rmsNormForward(x.data(), n, d, g.data(), y.data(), inv.data());
        return dotLoss(y, r);
    };
    loss();
    rmsNormBackward(x.data(), n, d, g.data(), inv.data(), r.data(), dx.data(), dg.data());
    EXPECT_LT(logged("x", relativeError(dx, numericGradient(x, loss))), kMaxRelativeError);
    EXPECT_LT(logged("g", relativeError(dg, numericGradient(g, loss))), kMaxRelativeError);
}

TEST(OpGradient, CausalAttention) {
    const AttentionShape s{2, 4, 8, 2};
    const size_t nd = static_cast<size_t>(s.tokens()) * s.width, dd = 64;
    auto x = values(nd, 7), wq = values(dd, 8, 0.5), wk = values(dd, 9, 0.5),
         wv = values(dd, 10, 0.5), wo = values(dd, 11, 0.5), r = values(nd, 12);
    std::vector<double> out(nd), dx(nd), gq(dd, 0.0), gk(dd, 0.0), gv(dd, 0.0), go(dd, 0.0);
    AttentionCache<double> cache;
    auto loss = [&] {
        attentionForward(s, AttentionWeights<double>{wq.data(), wk.data(), wv.data(), wo.data()},
                         x.data(), out.data(), cache);
        return dotLoss(out, r);
    };
    loss();
    AttentionGrads<double> g{gq.data(), gk.data(), gv.data(), go.data()};
    attentionBackward(s, AttentionWeights<double>{wq.data(), wk.data(), wv.data(), wo.data()},
                      x.data(), cache, r.data(), dx.data(), g);
    EXPECT_LT(logged("x", relativeError(dx, numericGradient(x, loss))), kMaxRelativeError);
    EXPECT_LT(logged("wq", relativeError(gq, numericGradient(wq, loss))), kMaxRelativeError);
    EXPECT_LT(logged("wk", relativeError(gk, numericGradient(wk, loss))), kMaxRelativeError);
    EXPECT_LT(logged("wv", relativeError(gv, numericGradient(wv, loss))), kMaxRelativeError);
    EXPECT_LT(logged("wo", relativeError(go, numericGradient(wo, loss))), kMaxRelativeError);
    // Causality: the first token's output cannot depend on later tokens.
    loss();
    const auto before = std::vector<double>(out.begin(), out.begin() + s.width);
    x[3 * s.width] += 1.0;
    loss();
    EXPECT_EQ(before, std::vector<double>(out.begin(), out.begin() + s.width));
}

TEST(OpGradient, CrossEntropy) {
    const int n = 4, vocab = 7;
    auto logits = values(n * vocab, 13, 3.0);
    const std::vector<int32_t> targets{0, 6, 3, 3};
    std::vector<double> d(n * vocab);
    crossEntropy(logits.data(), n, vocab, targets.data(), d.data());
    auto loss = [&] {
        return crossEntropy<double>(logits.data(), n, vocab, targets.data(), nullptr);
    };
    EXPECT_LT(logged("logits", relativeError(d, numericGradient(logits, loss))), kMaxRelativeError);
    // Uniform logits: ln(vocab).
    std::vector<double> flat(n * vocab, 0.5);
    EXPECT_NEAR(crossEntropy<double>(flat.data(), n, vocab, targets.data(), nullptr), std::log(7.0),
                1e-12);
}

struct MoeCase {
    ScoreFunction score;
    bool renormalize;
    double aux;
    bool bias;
};

class MoeGradient : public ::testing::TestWithParam<MoeCase> {};

TEST_P(MoeGradient, MatchesFiniteDifferences) {
    const MoeCase p = GetParam();
    MoeLayerConfig c;
    c.hidden = 5;
    c.ffn = 7;
    c.experts = 4;
    c.topK = 2;
    c.score = p.score;
    c.renormalize = p.renormalize;
    const int T = 6;
    MoeTrainLayer<double> layer(c);
    auto x = values(T * 5, 21), gate = values(5 * 4, 22), w1 = values(4 * 35, 23),
         w3 = values(4 * 35, 24), w2 = values(4 * 35, 25), r = values(T * 5, 26);
    const std::vector<float> bias{0.3f, -0.2f, 0.0f, 0.1f};
    std::vector<double> y(T * 5), dx(T * 5), gg(20, 0.0), g1(140, 0.0), g3(140, 0.0), g2(140, 0.0);
    MoeTrainCache<double> cache;
    auto params = [&] {
        return MoeTrainParams<double>{gate.data(), w1.data(), w3.data(), w2.data(),
                                      p.bias ? bias.data() : nullptr};
    };
    auto loss = [&] {
        layer.forward(params(), x.data(), T, y.data(), cache);
        return dotLoss(y, r) + layer.switchAuxLoss(cache, p.aux);
    };
    loss();
    const auto ids = cache.ids;
    MoeTrainGrads<double> g{gg.data(), g1.data(), g3.data(), g2.data()};
    layer.backward(params(), cache, x.data(), r.data(), p.aux, dx.data(), g);
    EXPECT_LT(logged("x", relativeError(dx, numericGradient(x, loss))), kMaxRelativeError);
    EXPECT_LT(logged("gate", relativeError(gg, numericGradient(gate, loss))), kMaxRelativeError);
    EXPECT_LT(logged("w1", relativeError(g1, numericGradient(w1, loss))), kMaxRelativeError);
    EXPECT_LT(logged("w3", relativeError(g3, numericGradient(w3, loss))), kMaxRelativeError);
    EXPECT_LT(logged("w2", relativeError(g2, numericGradient(w2, loss))), kMaxRelativeError);
    loss();
    EXPECT_EQ(ids, cache.ids) << "a finite-difference step flipped the routing";
}

INSTANTIATE_TEST_SUITE_P(Routing, MoeGradient,
                         ::testing::Values(MoeCase{ScoreFunction::Softmax, true, 0.0, false},
                                           MoeCase{ScoreFunction::Softmax, false, 0.05, false},
                                           MoeCase{ScoreFunction::Sigmoid, false, 0.0, true},
                                           MoeCase{ScoreFunction::Softmax, true, 0.1, true}));

}  // namespace
}  // namespace moe::train
