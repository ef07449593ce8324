// See predict_report.h.
#include "app/cli/predict_report.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/text_table.h"
#include "core/common/output_file.h"

namespace moe::cli {
namespace {
std::string pct(double v) { return fixed(100.0 * v, 2) + "%"; }
std::string label(const std::string& name, const std::string& params) {
    return params.empty() ? name : name + ":" + params;
}

struct Row {
    std::string predictor, parameters, kind, layer;
    int horizon = 0;
    ErrorMetrics m;
    double accuracy = -1, overlap = -1, us = 0;
    int64_t forecasts = 0;
};

std::vector<Row> rows(const PredictionSuite& suite, bool perLayer) {
    std::vector<Row> out;
    if (const auto* ev = suite.loadEvaluator())
        for (const auto& s : ev->scores()) {
            out.push_back({s.name, s.parameters, "load", "all", ev->options().horizon,
                           s.overall.mean(), -1, -1, s.microsecondsPerForecastPerLayer(),
                           s.forecasts});
            if (perLayer)
                for (size_t l = 0; l < s.perLayer.size(); ++l)
                    out.push_back({s.name, s.parameters, "load", std::to_string(l),
                                   ev->options().horizon, s.perLayer[l].mean(), -1, -1,
                                   s.microsecondsPerForecastPerLayer(), s.perLayer[l].count()});
        }
    if (const auto* tv = suite.tokenEvaluator())
        for (const auto& s : tv->scores()) {
            out.push_back({s.name, s.parameters, "token", "all", 1, s.loads.mean(), s.accuracy(),
                           s.topKOverlap(), s.microsecondsPerLayer(), s.predictions});
            if (perLayer)
                for (size_t l = 0; l < s.loadsPerLayer.size(); ++l)
                    out.push_back({s.name, s.parameters, "token", std::to_string(l), 1,
                                   s.loadsPerLayer[l].mean(), -1, -1, s.microsecondsPerLayer(),
                                   s.loadsPerLayer[l].count()});
        }
    return out;
}
}  // namespace

void printPredictionReport(std::ostream& out, const PredictionSuite& suite, bool perLayer) {
    out << "\nLoad errors (relative: mean |p^-p|/p over experts with p>0; absolute: mean |p^-p|;\n"
           "gps: |p^-p|/(1/E); max-load: error of the hottest expert's share)\n";
    TextTable t({"predictor", "layer", "relative", "absolute", "gps", "max-load", "accuracy",
                 "top-k overlap", "us/forecast/layer", "forecasts"});
    bool unscored = false;
    for (const Row& r : rows(suite, perLayer)) {
        // No forecast scored (fewer steps than the horizon): no error, not a perfect 0%.
        const bool none = r.forecasts == 0;
        unscored = unscored || none;
        auto orDash = [none](std::string v) { return none ? std::string("-") : v; };
        // Cheap predictors take well under 0.01 us: three significant digits, not 0.00.
        char us[32];
        std::snprintf(us, sizeof us, "%.3g", r.us);
        t.addRow({label(r.predictor, r.parameters), r.layer, orDash(pct(r.m.relative)),
                  orDash(fixed(r.m.absolute, 5)), orDash(pct(r.m.gps)), orDash(pct(r.m.maxLoad)),
                  r.accuracy < 0 || none ? "-" : pct(r.accuracy),
                  r.overlap < 0 || none ? "-" : pct(r.overlap), none ? "-" : us,
                  grouped(r.forecasts)});
    }
    t.print(out);
    if (unscored)
        out << "(-: no forecast scored; a forecast is scored once the steps it covers have been "
               "read, so give more --steps than the --horizon)\n";
    if (const auto* ph = suite.phases()) {
        out << "\nPhases per layer (transient T / stable S, [begin, end) in steps)\n";
        const auto segs = ph->segments();
        for (size_t l = 0; l < segs.size(); ++l) {
            std::string line;
            for (const auto& s : segs[l])
                line += std::string(line.empty() ? "" : " ") + (s.stable ? "S" : "T") + "[" +
                        std::to_string(s.begin) + "," + std::to_string(s.end) + ")";
            out << "  layer " << l << ": " << line << "\n";
        }
    }
}

std::string predictionCsv(const PredictionSuite& suite) {
    std::ostringstream f;
    f << "predictor,parameters,kind,layer,horizon,relative_error,absolute_error,gps_error,max_load_"
         "error,"
         "accuracy,topk_overlap,us_per_forecast_per_layer,forecasts\n";
    for (const Row& r : rows(suite, true))
        f << r.predictor << ",\"" << r.parameters << "\"," << r.kind << ',' << r.layer << ','
          << r.horizon << ',' << r.m.relative << ',' << r.m.absolute << ',' << r.m.gps << ','
          << r.m.maxLoad << ',' << (r.accuracy < 0 ? "" : std::to_string(r.accuracy)) << ','
          << (r.overlap < 0 ? "" : std::to_string(r.overlap)) << ',' << r.us << ',' << r.forecasts
          << '\n';
    return f.str();
}

std::string predictionJson(const PredictionSuite& suite, const std::string& workload) {
    nlohmann::json j;
    j["workload"] = workload;
    j["steps"] = suite.steps();
    for (const Row& r : rows(suite, true)) {
        nlohmann::json row = {{"predictor", r.predictor},
                              {"parameters", r.parameters},
                              {"kind", r.kind},
                              {"layer", r.layer},
                              {"horizon", r.horizon},
                              {"relative_error", r.m.relative},
                              {"absolute_error", r.m.absolute},
                              {"gps_error", r.m.gps},
                              {"max_load_error", r.m.maxLoad},
                              {"us_per_forecast_per_layer", r.us},
                              {"forecasts", r.forecasts}};
        if (r.accuracy >= 0) row["accuracy"] = r.accuracy;
        if (r.overlap >= 0) row["topk_overlap"] = r.overlap;
        j["rows"].push_back(row);
    }
    if (const auto* ph = suite.phases()) {
        const auto segs = ph->segments();
        for (size_t l = 0; l < segs.size(); ++l)
            for (const auto& s : segs[l])
                j["phases"].push_back(
                    {{"layer", l}, {"begin", s.begin}, {"end", s.end}, {"stable", s.stable}});
    }
    return j.dump(2) + '\n';
}

}  // namespace moe::cli
