// The LSTM predictor on real routing: GPT-OSS-20B decode replayed with continuous batching of
// 64 sequences, trained online on the first 300 steps and tested on the next 200. Prints its
// 1-step error next to the last value's and the training mean's, so the figures are on record.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <vector>

#include "core/experiment/workload_source.h"
#include "core/predict/lstm_predictor.h"
#include "core/stats/load_matrix.h"

namespace moe {
namespace {

std::vector<LoadShares> traceShares(int steps, WorkloadShape& shape, std::string& describe) {
    WorkloadOptions wo;
    wo.spec = "trace:gpt-oss-20b";
    wo.batching = Batching::Continuous;
    wo.batch = 64;
    wo.maxSteps = steps;
    auto workload = openWorkload(wo);
    shape = workload->shape();
    describe = workload->describe();
    return readShareSeries(*workload, steps);
}

// Largest |sum of a layer's shares - 1| over every step and layer of `f`; infinity when a
// share is not finite.
double worstLayerSumError(const Forecast& f) {
    double worst = 0;
    for (int h = 1; h <= f.horizon(); ++h)
        for (int l = 0; l < f.layers(); ++l) {
            double sum = 0;
            for (int e = 0; e < f.experts(); ++e) sum += f.at(h, l, e);
            if (!std::isfinite(sum)) return INFINITY;
            worst = std::max(worst, std::abs(sum - 1.0));
        }
    return worst;
}

double meanAbsError(std::span<const float> forecast, const LoadShares& truth) {
    double sum = 0;
    for (size_t i = 0; i < truth.p.size(); ++i) sum += std::abs(forecast[i] - truth.p[i]);
    return sum / truth.p.size();
}

TEST(LstmPredictorTrace, GptOssContinuousBatching) {
    const int trainSteps = 300, testSteps = 200;
    WorkloadShape shape;
    std::string source;
    const auto shares = traceShares(trainSteps + testSteps, shape, source);
    ASSERT_EQ(static_cast<int>(shares.size()), trainSteps + testSteps) << source;
    const size_t D = static_cast<size_t>(shape.layers) * shape.experts;

    LstmOptions o;  // smaller than the defaults to keep the test quick on 2 cores
    o.hidden = 32;
    o.epochs = 15;
    o.trainSteps = trainSteps;
    LstmPredictor lstm(o);
    std::vector<float> mean(D, 0.0f);  // the training steps' mean: a long-window average
    for (int t = 0; t < trainSteps; ++t) {
        lstm.observe(t, shares[t]);  // the 300th trains
        for (size_t i = 0; i < D; ++i) mean[i] += shares[t].p[i] / trainSteps;
    }
    ASSERT_TRUE(lstm.trained());

    Forecast f;
    double errLstm = 0, errLast = 0, errMean = 0, worstSum = 0;
    int n = 0;
    for (int t = trainSteps; t + 1 < trainSteps + testSteps; ++t, ++n) {
        lstm.observe(t, shares[t]);
        lstm.forecast(1, f);
        worstSum = std::max(worstSum, worstLayerSumError(f));
        errLstm += meanAbsError({f.block(1), D}, shares[t + 1]);
        errLast += meanAbsError(shares[t].p, shares[t + 1]);
        errMean += meanAbsError(mean, shares[t + 1]);
    }
    errLstm /= n, errLast /= n, errMean /= n;
    lstm.forecast(100, f);  // a long rollout stays a distribution
    worstSum = std::max(worstSum, worstLayerSumError(f));
    std::printf(
        "%s, %d x %d: LSTM (%s) trained on %d steps in %.2f s, final loss %.5f nats/layer;\n"
        "  1-step MAE over %d steps: lstm %.5f, last value %.5f (lstm/last %.3f), training "
        "mean %.5f; %.1f us per forecast; max |layer sum - 1| %.2g\n",
        source.c_str(), shape.layers, shape.experts, lstm.parameters().c_str(), trainSteps,
        lstm.trainingSeconds(), lstm.finalTrainingLoss(), n, errLstm, errLast, errLstm / errLast,
        errMean, lstm.microsecondsPerForecast(), worstSum);
    EXPECT_LT(worstSum, 1e-4);  // finite, and every layer sums to 1
    // ~256 routed pairs per layer and step: the last value carries all of one step's sampling
    // noise, which a trained model averages away.
    EXPECT_LT(errLstm, errLast);
}

}  // namespace
}  // namespace moe
