// See perf_sweep.h.
#include "core/balance/perf_sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "core/common/error.h"

namespace moe {

std::vector<Strategy> defaultStrategies(const PerfConfig& c) {
    const double perExpert = static_cast<double>(c.tokens) * c.model.topK / c.model.experts;
    const double sampling = std::sqrt(2.0 / std::numbers::pi) / std::sqrt(std::max(1.0, perExpert));
    return {Strategy::none(),
            Strategy::distributionOnly(sampling),
            Strategy::tokenToExpert("t2e_frequent", 0.35, 0),
            Strategy::tokenToExpert("t2e_token_id", 0.55, 2e-6),
            Strategy::tokenToExpert("t2e_ffn", 0.80, 20e-6),
            Strategy::tokenToExpert("t2e_lstm", 0.85, 150e-6)};
}

SweepSpec SweepSpec::moeGpsFigure() {
    SweepSpec s;
    s.base.model = MoeDims::mixtral8x7b();
    s.base.ranks = 4;
    s.base.tokens = 512;
    s.base.bytesPerElement = 2;
    return s;
}

namespace {

PerfConfig pointConfig(const SweepSpec& spec, double skew, double gbs) {
    PerfConfig c = spec.base;
    c.skew = skew;
    c.links = BandwidthMatrix();
    c.linkGBs = gbs;
    return c;
}

}  // namespace

std::vector<SweepRow> sweep(const SweepSpec& spec) {
    const std::vector<Strategy> strategies =
        spec.strategies.empty() ? defaultStrategies(spec.base) : spec.strategies;
    std::vector<SweepRow> rows;
    for (double skew : spec.skews)
        for (double gbs : spec.bandwidthsGBs) {
            const PerfConfig c = pointConfig(spec, skew, gbs);
            const size_t first = rows.size();
            size_t best = first;
            for (const Strategy& s : strategies) {
                SweepRow r{skew, gbs, s.name, s.kind, 0, false, modelLayer(c, s)};
                r.seconds = c.model.layers * r.layer.total();
                if (rows.size() == first || r.seconds < rows[best].seconds) best = rows.size();
                rows.push_back(std::move(r));
            }
            if (rows.size() > first) rows[best].winner = true;
        }
    return rows;
}

std::string sweepCsv(const std::vector<SweepRow>& rows) {
    std::string out =
        "skew,bandwidth_gbs,strategy,total_ms,winner,pred_us,attn_us,scatter_us,ffn_us,"
        "gather_us,copy_us\n";
    char buf[256];
    for (const SweepRow& r : rows) {
        const LayerTimes& t = r.layer;
        std::snprintf(buf, sizeof buf, "%.2f,%g,%s,%.4f,%d,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f\n", r.skew,
                      r.bandwidthGBs, r.strategy.c_str(), r.seconds * 1e3, r.winner ? 1 : 0,
                      t.pred * 1e6, t.attn * 1e6, t.scatter * 1e6, t.ffn * 1e6, t.gather * 1e6,
                      t.copy * 1e6);
        out += buf;
    }
    return out;
}

std::string sweepTable(const std::vector<SweepRow>& rows) {
    std::vector<double> skews, bws;
    for (const SweepRow& r : rows) {
        if (std::find(skews.begin(), skews.end(), r.skew) == skews.end()) skews.push_back(r.skew);
        if (std::find(bws.begin(), bws.end(), r.bandwidthGBs) == bws.end())
            bws.push_back(r.bandwidthGBs);
    }
    char buf[128];
    std::string out = "winner (margin over runner-up)\nskew  ";
    for (double b : bws) {
        std::snprintf(buf, sizeof buf, "| %-22s",
                      (std::to_string(std::lround(b)) + " GB/s").c_str());
        out += buf;
    }
    out += "\n";
    for (double s : skews) {
        std::snprintf(buf, sizeof buf, "%-6.2f", s);
        out += buf;
        for (double b : bws) {
            const SweepRow* win = nullptr;
            double second = INFINITY;
            for (const SweepRow& r : rows) {
                if (r.skew != s || r.bandwidthGBs != b) continue;
                if (r.winner)
                    win = &r;
                else
                    second = std::min(second, r.seconds);
            }
            if (!win) continue;
            const double margin = std::isfinite(second) ? (second / win->seconds - 1) * 100 : 0;
            std::snprintf(buf, sizeof buf, "| %-12s %+7.1f%% ", win->strategy.c_str(), margin);
            out += buf;
        }
        out += "\n";
    }
    return out;
}

StrategyGap distributionVsTokenGap(const SweepSpec& spec, double skew, double bandwidthGBs) {
    const std::vector<Strategy> strategies =
        spec.strategies.empty() ? defaultStrategies(spec.base) : spec.strategies;
    const PerfConfig c = pointConfig(spec, skew, bandwidthGBs);
    StrategyGap g;
    g.skew = skew;
    g.bandwidthGBs = bandwidthGBs;
    bool haveDist = false;
    for (const Strategy& s : strategies) {
        const double t = modelSeconds(c, s);
        if (s.kind == StrategyKind::DistributionOnly && !haveDist) {
            g.distributionSeconds = t;
            haveDist = true;
        } else if (s.kind == StrategyKind::TokenToExpert &&
                   (g.bestToken.empty() || t < g.tokenSeconds)) {
            g.bestToken = s.name;
            g.tokenSeconds = t;
        }
    }
    if (!haveDist || g.bestToken.empty())
        throw Error("the gap needs a distribution-only and a token-to-expert strategy");
    g.gapPercent = (g.tokenSeconds / g.distributionSeconds - 1) * 100;
    return g;
}

Calibration calibrate(std::span<const double> measured, std::span<const double> modelled) {
    if (measured.size() != modelled.size())
        throw Error("calibration: " + std::to_string(measured.size()) + " measured times but " +
                    std::to_string(modelled.size()) + " modelled");
    Calibration c;
    double num = 0, den = 0;
    for (size_t i = 0; i < measured.size(); ++i) {
        if (!(measured[i] > 0)) continue;
        ++c.points;
        c.meanRelativeError += std::abs(modelled[i] - measured[i]) / measured[i];
        const double ratio = modelled[i] / measured[i];
        num += ratio;
        den += ratio * ratio;
    }
    if (c.points == 0) throw Error("calibration: no measured time above zero");
    c.meanRelativeError /= static_cast<double>(c.points);
    c.scale = den > 0 ? num / den : 1;
    for (size_t i = 0; i < measured.size(); ++i)
        if (measured[i] > 0)
            c.errorAfterScale += std::abs(modelled[i] * c.scale - measured[i]) / measured[i];
    c.errorAfterScale /= static_cast<double>(c.points);
    return c;
}

}  // namespace moe
