// See perf_model.h.
#include "core/balance/perf_model.h"

#include <algorithm>
#include <cmath>

#include "core/common/error.h"

namespace moe {

double MoeDims::attentionParams() const {
    const double headDim = static_cast<double>(hidden) / heads;
    return 2.0 * hidden * hidden + 2.0 * hidden * kvHeads * headDim;  // q, o + k, v
}

Strategy Strategy::none() { return {}; }

Strategy Strategy::distributionOnly(double error, std::string name) {
    Strategy s;
    s.name = std::move(name);
    s.kind = StrategyKind::DistributionOnly;
    s.error = error;
    return s;
}

Strategy Strategy::tokenToExpert(std::string name, double accuracy, double predictorSeconds) {
    if (!(accuracy >= 0 && accuracy <= 1)) throw Error("predictor accuracy must be in [0, 1]");
    Strategy s;
    s.name = std::move(name);
    s.kind = StrategyKind::TokenToExpert;
    s.error = 1 - accuracy;
    s.predictorSeconds = predictorSeconds;
    return s;
}

std::vector<std::pair<std::string, double>> LayerTimes::terms() const {
    return {{"pred", pred}, {"attn", attn},     {"scatter", scatter},
            {"ffn", ffn},   {"gather", gather}, {"copy", copy}};
}

void validatePerfConfig(const PerfConfig& c) {
    const MoeDims& m = c.model;
    if (m.layers <= 0 || m.hidden <= 0 || m.ffn <= 0 || m.experts <= 0 || m.topK <= 0 ||
        m.heads <= 0 || m.kvHeads <= 0)
        throw Error("perf model: model sizes must be positive");
    if (c.ranks <= 0 || c.tokens <= 0 || c.bytesPerElement <= 0)
        throw Error("perf model: ranks, tokens and bytes per element must be positive");
    if (!(c.flopRate > 0)) throw Error("perf model: FLOP rate must be > 0");
    if (c.links.empty() && !(c.linkGBs > 0)) throw Error("perf model: link bandwidth must be > 0");
    if (!c.links.empty() && c.links.ranks() != c.ranks)
        throw Error("perf model: the bandwidth matrix has " + std::to_string(c.links.ranks()) +
                    " ranks, the model " + std::to_string(c.ranks));
    if (!(c.skew >= 1)) throw Error("perf model: skewness (max/mean) must be >= 1");
    if (!(c.errorSpread >= 0) || !(c.copyBytesPerLayer >= 0))
        throw Error("perf model: error spread and copy bytes must be >= 0");
}

double ffnSeconds(double pairs, const MoeDims& m, double flopRate) {
    return pairs * 2.0 * m.expertParams() / flopRate;
}

namespace {

double link(const PerfConfig& c, int from, int to) {
    return c.links.empty() ? c.linkGBs : c.links.gbs(from, to);
}

double attentionSeconds(const PerfConfig& c) {
    const double perRank = static_cast<double>(c.tokens) / c.ranks;
    const double flops = perRank * (2.0 * c.model.attentionParams() +
                                    2.0 * static_cast<double>(c.tokens) * c.model.hidden);
    return flops / c.flopRate;
}

// Slowest link into the slowest-fed rank, for weight copies.
double slowestLinkGBs(const PerfConfig& c) {
    double worst = c.linkGBs;
    if (c.links.empty()) return worst;
    worst = INFINITY;
    for (int a = 0; a < c.ranks; ++a)
        for (int b = 0; b < c.ranks; ++b)
            if (a != b) worst = std::min(worst, c.links.gbs(a, b));
    return worst;
}

}  // namespace

double allToAllSeconds(const PerfConfig& c, double skew, bool gather) {
    const double G = c.ranks;
    const double pairBytes = static_cast<double>(c.tokens) * c.model.topK * c.model.hidden *
                             c.bytesPerElement * skew / (G * G);
    double worst = 0;
    for (int i = 0; i < c.ranks; ++i) {
        double t = 0;
        for (int j = 0; j < c.ranks; ++j)
            if (j != i) t += pairBytes / (link(c, gather ? i : j, gather ? j : i) * 1e9);
        worst = std::max(worst, t);
    }
    return worst;
}

LayerTimes modelLayer(const PerfConfig& c, const Strategy& s) {
    validatePerfConfig(c);
    if (!(s.error >= 0) || !(s.predictorSeconds >= 0))
        throw Error("strategy " + s.name + ": error and predictor time must be >= 0");
    LayerTimes t;
    const double pairsPerRank = static_cast<double>(c.tokens) * c.model.topK / c.ranks;
    t.ffnBalanced = ffnSeconds(pairsPerRank, c.model, c.flopRate);
    t.attn = attentionSeconds(c);
    t.pred = s.predictorSeconds;
    const double scatter = allToAllSeconds(c, c.skew, false);
    t.gather = allToAllSeconds(c, c.skew, true);
    switch (s.kind) {
        case StrategyKind::None:
            t.ffn = c.skew * t.ffnBalanced;
            t.scatter = scatter;
            break;
        case StrategyKind::DistributionOnly:
            t.ffn = (1 + c.errorSpread * s.error) * t.ffnBalanced;
            t.scatter = scatter;
            break;
        case StrategyKind::TokenToExpert:
            t.ffn = (1 + c.errorSpread * s.error) * t.ffnBalanced;
            t.scatter = std::min(1.0, s.error) * scatter;  // correct guesses skip the scatter
            break;
    }
    if (c.copyBytesPerLayer > 0 && c.ranks > 1)
        t.copy = c.copyBytesPerLayer / (slowestLinkGBs(c) * 1e9);
    return t;
}

double modelSeconds(const PerfConfig& c, const Strategy& s) {
    return c.model.layers * modelLayer(c, s).total();
}

}  // namespace moe
