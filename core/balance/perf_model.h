// MoE-GPS-style performance model (methods.md section 2): the time of one MoE layer as
//   T = T_pred + T_attn + T_scatter + T_ffn(slowest rank) + T_gather + T_copy,
// every term visible. MoE-GPS's equations are not public; this builds the model from the terms
// the paper names, with these assumptions (all parameters, none hard-wired):
// - attention runs data-parallel: each rank takes T/G tokens, 2 FLOP per attention weight per
//   token plus 2*T*hidden FLOP per token for causal scores and values over a T-token context;
// - an expert is a SwiGLU FFN: 6 * hidden * ffn FLOP per token-expert pair;
// - compute runs at a flat FLOP rate (default 312 TFLOP/s, A100 dense fp16 peak, the class of
//   GPU LLMCompass models); no memory-bound term;
// - the bottleneck rank receives s times the balanced all-to-all volume, T*k*h*bytes*(G-1)*s/G^2
//   in total, G^-2 of it from each other rank; a rank's transfers share its port, so the time
//   is the sum over peers of bytes / link bandwidth (with one uniform bandwidth B this is the
//   paper's volume / B); gather mirrors scatter;
// - strategies: none -> T_ffn = s * balanced; distribution-only duplication -> (1 + err) *
//   balanced, err = mean |p^ - p| / (1/E), tokens still take the normal all-to-all;
//   token-to-expert -> (1 + err) * balanced with err = 1 - accuracy, the correctly predicted
//   fraction skips the scatter, the predictor costs its run time per layer;
// - weight copies (T_copy) are off by default: the paper's duplication is planned ahead of the
//   batch; set copyBytesPerLayer to cost copies over the slowest link.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/balance/bandwidth.h"

namespace moe {

struct MoeDims {
    int layers = 32, hidden = 4096, ffn = 14336, experts = 8, topK = 2;
    int heads = 32, kvHeads = 8;  // grouped-query attention; head dim = hidden / heads
    static MoeDims mixtral8x7b() { return {}; }
    // GPT-OSS-20B, the model of the bundled routing trace: 24 layers, hidden 2880, expert
    // intermediate 2880, 32 experts top-4, 64 query heads over 8 KV heads.
    static MoeDims gptOss20b() { return {24, 2880, 2880, 32, 4, 64, 8}; }
    // q, k, v and output projections.
    double attentionParams() const;
    double expertParams() const { return 3.0 * hidden * ffn; }
};

enum class StrategyKind { None, DistributionOnly, TokenToExpert };

struct Strategy {
    std::string name = "none";
    StrategyKind kind = StrategyKind::None;
    double error = 0;             // distribution-only: mean |p^-p|/(1/E); token: 1 - accuracy
    double predictorSeconds = 0;  // run time of the predictor per layer
    static Strategy none();
    static Strategy distributionOnly(double error, std::string name = "dist_only");
    static Strategy tokenToExpert(std::string name, double accuracy, double predictorSeconds);
};

struct PerfConfig {
    MoeDims model;
    int ranks = 4;
    BandwidthMatrix links;  // ranks x ranks GB/s; empty = every link at linkGBs
    double linkGBs = 600;
    double flopRate = 312e12;  // per GPU, FLOP/s
    int64_t tokens = 512;      // tokens in the step (a prefill of 512)
    int bytesPerElement = 2;   // fp16
    double skew = 1.0;         // s = max / mean expert load
    double errorSpread = 1;    // how prediction error lands on the slowest rank: 1 = evenly
                               // (the paper's main case), 0 = optimistic, larger = pessimistic
    double copyBytesPerLayer = 0;
};

struct LayerTimes {
    double pred = 0, attn = 0, scatter = 0, ffn = 0, gather = 0, copy = 0;
    double ffnBalanced = 0;  // FFN time of a perfectly balanced rank, for reference
    double total() const { return pred + attn + scatter + ffn + gather + copy; }
    // (name, seconds) of each term in the order above, for printing.
    std::vector<std::pair<std::string, double>> terms() const;
};

// Throws moe::Error on a non-positive size or rate, or a link matrix of the wrong size.
void validatePerfConfig(const PerfConfig& config);
LayerTimes modelLayer(const PerfConfig& config, const Strategy& strategy);
// Whole model: layers x one layer.
double modelSeconds(const PerfConfig& config, const Strategy& strategy);

// FFN seconds of one rank that computes `pairs` token-expert pairs.
double ffnSeconds(double pairs, const MoeDims& model, double flopRate);
// Bottleneck all-to-all seconds at skew s (one direction): max over ranks of the sum over
// peers of T*k*h*bytes*s/G^2 / bandwidth(peer -> rank) (gather: rank -> peer).
double allToAllSeconds(const PerfConfig& config, double skew, bool gather);

}  // namespace moe
