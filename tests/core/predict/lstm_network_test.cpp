// The LSTM's hand-written backward pass checked against central finite differences for every
// parameter, in double, plus the properties the predictor relies on: training and inference
// paths agree, initialisation is reproducible, and Adam with clipping does descend.
#include "core/predict/lstm_network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "core/predict/lstm_trainer.h"

namespace moe {
namespace {

// `steps` blocks of random shares, each group summing to `total`.
std::vector<double> randomShares(int steps, const LstmShape& s, std::mt19937_64& rng,
                                 double total = 1.0) {
    std::uniform_real_distribution<double> u(0.05, 1.0);
    std::vector<double> v(static_cast<size_t>(steps) * s.inputs());
    for (size_t g = 0; g < v.size(); g += s.groupSize) {
        double sum = 0;
        for (int e = 0; e < s.groupSize; ++e) sum += (v[g + e] = u(rng));
        for (int e = 0; e < s.groupSize; ++e) v[g + e] *= total / sum;
    }
    return v;
}

struct CheckResult {
    double maxRelative = 0, maxAbsolute = 0, meanRelative = 0;
    std::string worst;
};

// Relative error |a - b| / max(|a|, |b|, 1e-6): the floor keeps parameters whose gradient is
// ~0 from dividing finite-difference noise by nothing.
CheckResult gradientCheck(LstmNetwork<double>& net, const std::vector<double>& in,
                          const std::vector<double>& target, int steps,
                          const LstmNetwork<double>::State& start) {
    auto state = start;
    net.lossAndGradient(in, target, steps, state);
    const std::vector<double> analytic(net.gradients().begin(), net.gradients().end());
    CheckResult r;
    const double eps = 1e-6;
    auto params = net.parameters();
    for (size_t i = 0; i < params.size(); ++i) {
        const double keep = params[i];
        auto s1 = start, s2 = start;
        params[i] = keep + eps;
        const double up = net.loss(in, target, steps, s1);
        params[i] = keep - eps;
        const double down = net.loss(in, target, steps, s2);
        params[i] = keep;
        const double numeric = (up - down) / (2 * eps);
        const double abs = std::abs(numeric - analytic[i]);
        const double rel = abs / std::max({std::abs(numeric), std::abs(analytic[i]), 1e-6});
        r.meanRelative += rel / params.size();
        r.maxAbsolute = std::max(r.maxAbsolute, abs);
        if (rel > r.maxRelative) {
            r.maxRelative = rel;
            for (const auto& b : net.blocks())
                if (i >= b.offset && i < b.offset + b.size)
                    r.worst = b.name + "[" + std::to_string(i - b.offset) + "]";
        }
    }
    return r;
}

TEST(LstmNetwork, EveryParameterGradientMatchesFiniteDifferences) {
    const LstmShape shape{2, 3, 4, 2};  // L*E = 6, hidden 4, 2 layers
    const int steps = 5;
    LstmNetwork<double> net(shape, 7);
    std::mt19937_64 rng(11);
    const auto in = randomShares(steps, shape, rng);
    auto target = randomShares(steps, shape, rng);
    // One target layer sums to 0.8 (dropped pairs): the general cross-entropy gradient.
    for (int e = 0; e < shape.groupSize; ++e) target[e] *= 0.8;
    net.setOutputBias(std::vector<double>{0.2, 0.3, 0.5, 0.6, 0.1, 0.3});
    // A non-zero start state, as when the window follows another one.
    auto start = net.zeroState();
    std::normal_distribution<double> n(0.0, 0.5);
    for (double& v : start.h) v = std::tanh(n(rng));
    for (double& v : start.c) v = n(rng);

    const CheckResult r = gradientCheck(net, in, target, steps, start);
    std::printf(
        "gradient check (%zu parameters): max relative %.3g (%s), mean relative %.3g, "
        "max absolute %.3g\n",
        net.parameterCount(), r.maxRelative, r.worst.c_str(), r.meanRelative, r.maxAbsolute);
    EXPECT_LT(r.maxRelative, 1e-3) << "worst: " << r.worst;
}

TEST(LstmNetwork, SingleLayerGradientAlsoMatches) {
    const LstmShape shape{3, 2, 5, 1};
    LstmNetwork<double> net(shape, 3);
    std::mt19937_64 rng(5);
    const auto in = randomShares(4, shape, rng), target = randomShares(4, shape, rng);
    const CheckResult r = gradientCheck(net, in, target, 4, net.zeroState());
    std::printf("gradient check, 1 layer (%zu parameters): max relative %.3g (%s)\n",
                net.parameterCount(), r.maxRelative, r.worst.c_str());
    EXPECT_LT(r.maxRelative, 1e-3) << "worst: " << r.worst;
}

TEST(LstmNetwork, StepwiseInferenceMatchesTheTrainingForward) {
    const LstmShape shape{2, 4, 6, 2};
    const int steps = 7;
    LstmNetwork<double> net(shape, 9);
    std::mt19937_64 rng(2);
    const auto in = randomShares(steps, shape, rng);
    // Targets equal to the network's own predictions make the loss zero exactly when the two
    // paths agree; checking the predictions directly is clearer.
    auto state = net.zeroState();
    std::vector<double> predicted(static_cast<size_t>(steps) * shape.inputs());
    for (int t = 0; t < steps; ++t) {
        net.advance(std::span<const double>(in).subspan(t * shape.inputs(), shape.inputs()), state);
        net.predict(state,
                    std::span<double>(predicted).subspan(t * shape.inputs(), shape.inputs()));
    }
    auto windowState = net.zeroState();
    EXPECT_NEAR(net.loss(in, predicted, steps, windowState), 0.0, 1e-12);
    for (size_t i = 0; i < state.h.size(); ++i) {
        EXPECT_NEAR(windowState.h[i], state.h[i], 1e-12);
        EXPECT_NEAR(windowState.c[i], state.c[i], 1e-12);
    }
    for (int t = 0; t < steps; ++t)
        for (int g = 0; g < shape.groups; ++g) {
            double sum = 0;
            for (int e = 0; e < shape.groupSize; ++e)
                sum += predicted[t * shape.inputs() + g * shape.groupSize + e];
            EXPECT_NEAR(sum, 1.0, 1e-12);
        }
}

TEST(LstmNetwork, SeededInitialisationIsReproducible) {
    const LstmShape shape{2, 3, 4, 2};
    LstmNetwork<float> a(shape, 42), b(shape, 42), c(shape, 43);
    ASSERT_EQ(a.parameterCount(), b.parameterCount());
    EXPECT_TRUE(std::equal(a.parameters().begin(), a.parameters().end(), b.parameters().begin()));
    EXPECT_FALSE(std::equal(a.parameters().begin(), a.parameters().end(), c.parameters().begin()));
    // 2 layers: 4H x (6 + H + 1) and 4H x (H + H + 1); head 6 x H + 6.
    EXPECT_EQ(a.parameterCount(), size_t(16 * 11 + 16 * 9 + 6 * 4 + 6));
}

TEST(LstmTrainer, ClippingBoundsTheGlobalNorm) {
    std::vector<float> g{3, 4};
    EXPECT_DOUBLE_EQ(clipGlobalNorm<float>(g, 1.0), 5.0);
    EXPECT_NEAR(g[0], 0.6f, 1e-6);
    EXPECT_NEAR(g[1], 0.8f, 1e-6);
    std::vector<float> small{0.3f, 0.4f};
    clipGlobalNorm<float>(small, 1.0);
    EXPECT_FLOAT_EQ(small[1], 0.4f);
}

TEST(LstmTrainer, TrainingLowersTheLoss) {
    const LstmShape shape{2, 3, 8, 1};
    std::mt19937_64 rng(4);
    const auto base = randomShares(2, shape, rng);
    std::vector<float> series;  // alternating between two share vectors
    for (int t = 0; t < 40; ++t)
        for (int i = 0; i < shape.inputs(); ++i)
            series.push_back(static_cast<float>(base[(t % 2) * shape.inputs() + i]));
    LstmNetwork<float> net(shape, 1);
    const double before = evaluateLstm<float>(net, series, 40, 8);
    const LstmTrainReport r = trainLstm<float>(net, series, 40, {30, 8, 1e-2, 1.0});
    EXPECT_EQ(r.updates, 30 * 5);
    EXPECT_LT(r.finalLoss, 0.05 * before);
    EXPECT_GT(r.seconds, 0.0);
}

}  // namespace
}  // namespace moe
