// The analogue of MoE-GPS's guideline figure: which strategy (no duplication, distribution-only
// duplication, token-to-expert prediction) gives the shortest modelled time over a grid of
// skewness x link bandwidth; the gap between distribution-only and the best token-to-expert
// design at MMLU-like skewness, next to the paper's 23%; and the model's calibration error
// against measured slowest-rank times.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/balance/perf_model.h"

namespace moe {

// "Distribution-Only beats the best Token-to-Expert design end to end by more than 23%".
constexpr double kMoeGpsPaperGapPercent = 23;
// MMLU-like skewness (max/mean expert load) of Mixtral 8x7B: our assumption, inside the
// paper's 1.2-2.0 range; measure a trace's with `moe-workbench-cli stats` and pass it instead.
constexpr double kMmluLikeSkew = 1.4;

// Default strategies (assumptions, to be replaced by figures measured with core/predict):
// none; dist_only with the sampling error of a perfect profile, sqrt(2/pi) / sqrt(T*k/E)
// (mean |count - mean| / mean of Poisson counts; 7% for 512 tokens, top-2, 8 experts); and the
// four token-to-expert families of the paper with (accuracy, run time per layer):
//   t2e_frequent  most frequent expert        (0.35, 0)
//   t2e_token_id  by token id / position      (0.55, 2 us: a table lookup kernel)
//   t2e_ffn       FFN 4096-128-64-E on hidden (0.80, 20 us: 3 small dependent GEMMs, launch-
//                 and latency-bound at 512 tokens; its FLOPs alone take ~2 us)
//   t2e_lstm      2-layer LSTM, hidden 64     (0.85, 150 us: sequential over tokens)
std::vector<Strategy> defaultStrategies(const PerfConfig& config);

struct SweepSpec {
    PerfConfig base;  // skew and bandwidth are set per grid point (links cleared)
    std::vector<double> skews{1.2, 1.4, 1.6, 1.8, 2.0};
    std::vector<double> bandwidthsGBs{600, 200, 64, 32};
    std::vector<Strategy> strategies;  // empty = defaultStrategies(base)
    // Mixtral 8x7B, 4 GPUs, prefill of 512 tokens, fp16: the paper's setting.
    static SweepSpec moeGpsFigure();
};

struct SweepRow {
    double skew = 0, bandwidthGBs = 0;
    std::string strategy;
    StrategyKind kind = StrategyKind::None;
    double seconds = 0;   // whole model (layers x one layer)
    bool winner = false;  // shortest at this (skew, bandwidth); first listed wins ties
    LayerTimes layer;     // one layer's terms
};

std::vector<SweepRow> sweep(const SweepSpec& spec);
// skew,bandwidth_gbs,strategy,total_ms,winner,pred_us,attn_us,scatter_us,ffn_us,gather_us,copy_us
std::string sweepCsv(const std::vector<SweepRow>& rows);
// Winner grid: one line per skewness, one column per bandwidth, with the winner's margin.
std::string sweepTable(const std::vector<SweepRow>& rows);

struct StrategyGap {
    double skew = 0, bandwidthGBs = 0;
    double distributionSeconds = 0;
    std::string bestToken;  // the token-to-expert design with the shortest time
    double tokenSeconds = 0;
    double gapPercent = 0;  // (token / distribution - 1) * 100: how much faster dist-only is
    double paperGapPercent = kMoeGpsPaperGapPercent;
};

// Throws moe::Error when the spec has no distribution-only or no token-to-expert strategy.
StrategyGap distributionVsTokenGap(const SweepSpec& spec, double skew, double bandwidthGBs);

struct Calibration {
    size_t points = 0;             // entries with a measured time > 0
    double meanRelativeError = 0;  // mean |model - measured| / measured
    double scale = 1;              // factor minimising the squared relative error of model*scale
    double errorAfterScale = 0;    // the same error of model * scale
};

// measured[i] and modelled[i]: slowest-rank busy seconds of layer (or step) i.
Calibration calibrate(std::span<const double> measured, std::span<const double> modelled);

}  // namespace moe
