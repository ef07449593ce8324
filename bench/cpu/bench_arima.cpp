// Cost of the ARIMA(5,1,5) load predictor (history 200, refit every 50 steps, staggered) per
// step and layer: refits + filtering new shares + the forecast, at 24 x 32 (GPT-OSS-20B trace)
// and 256 experts per layer (synthetic; per-layer work does not depend on the layer count).
// Reference: the last-value predictor (observe + forecast) timed in the same run on the same
// shares. Goal: none; the issue asks for ARIMA's cost reported honestly.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "bench/cpu/bench_util.h"
#include "core/common/error.h"
#include "core/experiment/workload_source.h"
#include "core/predict/arima_predictor.h"
#include "core/predict/baseline_predictors.h"
#include "core/stats/load_matrix.h"

using namespace moe;

namespace {

std::vector<LoadShares> collectShares(const std::string& spec, int steps, std::string& source) {
    WorkloadOptions wo;
    wo.spec = spec;
    wo.batching = Batching::Continuous;
    wo.batch = 64;
    wo.maxSteps = steps;
    auto workload = openWorkload(wo);
    std::vector<LoadShares> out = readShareSeries(*workload, steps);
    source = workload->describe();
    if (static_cast<int>(out.size()) < steps)
        throw Error(spec + " gave only " + std::to_string(out.size()) + " steps");
    return out;
}

double perCall(const std::function<void()>& fn, int inner, int repeats = 7) {
    return bench::medianSeconds(
               [&] {
                   for (int i = 0; i < inner; ++i) fn();
               },
               repeats) /
           inner;
}

// Runs ARIMA over `shares`: the first `warm` steps fill the history and bring the staggered
// refits to their steady state (untimed), the rest are timed as observe + forecast(H=1).
void measure(const std::string& label, const std::vector<LoadShares>& shares, int warm) {
    const int L = shares[0].layers, E = shares[0].experts;
    const int timed = static_cast<int>(shares.size()) - warm;
    ArimaPredictor arima;
    LastValuePredictor last;
    Forecast f;
    const auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < warm; ++t) arima.observe(t, shares[t]);
    const double warmSec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const ArimaCost before = arima.cost();
    const std::clock_t cpu0 = std::clock();  // CPU time too: the wall clock counts other load
    for (int t = warm; t < warm + timed; ++t) {
        arima.observe(t, shares[t]);
        arima.forecast(1, f);
    }
    const double cpuUs =
        1e6 * static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC / timed / L;
    const ArimaCost& c = arima.cost();
    const double fitUs = (c.fitMicros - before.fitMicros) / timed / L;
    const double appendUs = (c.appendMicros - before.appendMicros) / timed / L;
    const double forecastUs = (c.forecastMicros - before.forecastMicros) / timed / L;
    const double totalUs = fitUs + appendUs + forecastUs;
    const double perFitMs = (c.fitMicros - before.fitMicros) / (c.fits - before.fits) / 1e3;
    const double h100Us = perCall([&] { arima.forecast(100, f); }, 3) * 1e6 / L;

    int t = 0;
    const double lastUs = perCall(
                              [&] {
                                  last.observe(t, shares[t % shares.size()]);
                                  last.forecast(1, f);
                                  ++t;
                              },
                              2000) *
                          1e6 / L;
    std::printf(
        "%s: %d x %d, warm-up %d steps (%.1f s), timed %d steps; %lld fits in the timed steps, "
        "%.2f ms each; per step and layer: fit %.1f us + filter %.2f us + forecast(H=1) "
        "%.2f us = %.1f us (CPU time %.1f us); forecast(H=100) %.1f us; last value (observe + "
        "H=1) %.3f us; %d of %d series fitted (not falling back)\n",
        label.c_str(), L, E, warm, warmSec, timed, static_cast<long long>(c.fits - before.fits),
        perFitMs, fitUs, appendUs, forecastUs, totalUs, cpuUs, h100Us, lastUs, arima.fittedSeries(),
        L * E);
    const std::string key = "arima_" + std::to_string(L) + "x" + std::to_string(E);
    bench::report(key + "_us_per_layer_step", totalUs, "us", "report");
    bench::report(key + "_cpu_us_per_layer_step", cpuUs, "us", "report");
    bench::report(key + "_ratio_to_last", totalUs / lastUs, "x_last", "report");
    bench::report(key + "_fit_us_per_layer_step", fitUs, "us", "report");
    bench::report(key + "_forecast_h1_us_per_layer", forecastUs + appendUs, "us", "report");
    bench::report(key + "_forecast_h100_us_per_layer", h100Us, "us", "report");
    bench::report(key + "_ms_per_fit", perFitMs, "ms", "report");
    bench::report(key + "_last_value_us_per_layer", lastUs, "us", "-");
}

}  // namespace

int main(int argc, char** argv) {
    try {
        // Steady state needs history (200) + one refit period (50) steps; then one full period.
        const int warm = argc > 1 ? std::stoi(argv[1]) : 250;
        const int timed = argc > 2 ? std::stoi(argv[2]) : 50;
        const int wideLayers = argc > 3 ? std::stoi(argv[3]) : 4;
        std::string source;
        const auto gptoss = collectShares("trace:gpt-oss-20b", warm + timed, source);
        std::printf("ARIMA(5,1,5), history 200, refit 50 (staggered); %s\n", source.c_str());
        measure("gpt-oss-20b", gptoss, warm);

        const std::string wide = "synthetic:layers=" + std::to_string(wideLayers) +
                                 ",experts=256,top_k=8,tokens=512,drift=0.5";
        const auto synth = collectShares(wide, warm + timed, source);
        std::printf(
            "58 x 256: measured on %d of 58 layers of %s; every layer's series are independent,\n"
            "so the per-layer figures hold at 58 layers (a full step costs 58 x the per-layer "
            "figure)\n",
            wideLayers, source.c_str());
        measure("synthetic-256", synth, warm);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
