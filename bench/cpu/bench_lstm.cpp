// Cost of the LSTM load predictor at 24 layers x 32 experts with its default sizes: training
// time per step and epoch, and microseconds per forecast per layer at H = 1 and H = 100.
// Reference: the last-value predictor's forecast, timed in the same run on the same shares.
// Goal: none (the issue asks for the LSTM's cost reported honestly, next to SW_Avg's 5 us).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/predict/baseline_predictors.h"
#include "core/predict/lstm_predictor.h"
#include "core/stats/load_matrix.h"

using namespace moe;

namespace {

// GPT-OSS-20B decode (24 x 32, top-4) with continuous batching of 64 sequences; the synthetic
// generator at the same shape if the available trace is too short.
std::vector<LoadShares> collectShares(int steps, std::string& source) {
    for (const std::string spec :
         {std::string("trace:gpt-oss-20b"),
          "synthetic:layers=24,experts=32,top_k=4,tokens=256,drift=0.5,steps=" +
              std::to_string(steps)}) {
        WorkloadOptions wo;
        wo.spec = spec;
        wo.batching = Batching::Continuous;
        wo.batch = 64;
        wo.maxSteps = steps;
        auto workload = openWorkload(wo);
        std::vector<LoadShares> out = readShareSeries(*workload, steps);
        source = workload->describe();
        if (static_cast<int>(out.size()) == steps) return out;
    }
    throw Error("no workload gave " + std::to_string(steps) + " steps");
}

// Median seconds of one call to `fn`, timed over batches of `inner` calls.
double perCall(const std::function<void()>& fn, int inner, int repeats = 7) {
    return bench::medianSeconds(
               [&] {
                   for (int i = 0; i < inner; ++i) fn();
               },
               repeats) /
           inner;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        LstmOptions o;  // the defaults: hidden 64, 1 layer, window 32, 20 epochs, 500 steps
        if (argc > 1) o = LstmOptions::parse(argv[1]);
        std::string source;
        const auto shares = collectShares(o.trainSteps + 50, source);
        const int L = shares[0].layers, E = shares[0].experts;
        std::printf("LSTM predictor (%s) on %s: %d layers x %d experts, %u threads\n",
                    o.describe().c_str(), source.c_str(), L, E,
                    std::thread::hardware_concurrency());

        LstmPredictor lstm(o);
        LastValuePredictor last;
        for (int t = 0; t < o.trainSteps; ++t) lstm.observe(t, shares[t]);  // trains, once
        const double trainSec = lstm.trainingSeconds();
        const double perStepEpoch = trainSec / (static_cast<double>(o.epochs) * o.trainSteps);
        std::printf("  training: %.2f s for %d epochs x %d steps, %lld updates, final loss %.5f\n",
                    trainSec, o.epochs, o.trainSteps, lstm.trainingReport().updates,
                    lstm.finalTrainingLoss());

        int t = o.trainSteps;
        const double observeSec = perCall([&] { lstm.observe(t, shares[t]); }, 40);
        for (int s = 0; s < 50; ++s) last.observe(s, shares[o.trainSteps + s]);
        Forecast f;
        const double lstm1 = perCall([&] { lstm.forecast(1, f); }, 200);
        const double lstm100 = perCall([&] { lstm.forecast(100, f); }, 5);
        const double last1 = perCall([&] { last.forecast(1, f); }, 2000);
        const double last100 = perCall([&] { last.forecast(100, f); }, 2000);
        const double us = 1e6 / L;  // seconds per call -> microseconds per layer
        std::printf(
            "  per forecast: lstm H=1 %.1f us, H=100 %.1f us; last value H=1 %.3f us, "
            "H=100 %.3f us; lstm observe %.1f us\n",
            lstm1 * 1e6, lstm100 * 1e6, last1 * 1e6, last100 * 1e6, observeSec * 1e6);
        bench::report("lstm_train_us_per_step_epoch", perStepEpoch * 1e6, "us", "report");
        bench::report("lstm_train_seconds", trainSec, "s", "report");
        bench::report("lstm_forecast_h1_us_per_layer", lstm1 * us, "us", "report");
        bench::report("lstm_forecast_h1_ratio", lstm1 / last1, "x_last", "report");
        bench::report("lstm_forecast_h100_us_per_layer", lstm100 * us, "us", "report");
        bench::report("lstm_forecast_h100_ratio", lstm100 / last100, "x_last", "report");
        bench::report("lstm_observe_us_per_layer", observeSec * us, "us", "report");
        bench::report("last_forecast_h1_us_per_layer", last1 * us, "us", "-");
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
