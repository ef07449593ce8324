// See run_details.h.
#include "app/cli/run_details.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "app/cli/whatif_report.h"
#include "core/store/run_reader.h"
#include "core/store/summary_metrics.h"
#include "core/store/time_format.h"
#include "core/whatif/whatif_store.h"

namespace moe::cli {
namespace {

using Metrics = std::map<std::string, double>;

double get(const Metrics& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? 0 : it->second;
}

std::string duration(long long s) {
    if (s < 60) return std::to_string(s) + " s";
    if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
    return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

void printHeader(std::ostream& out, const store::RunRecord& r) {
    out << "run " << r.id << ": " << r.name << " (" << store::toString(r.status) << ")\n";
    auto line = [&](const char* label, const std::string& value) {
        if (!value.empty())
            out << "  " << label << std::string(11 - std::string(label).size(), ' ') << value
                << '\n';
    };
    std::string when = shortTime(r.created) + " UTC";
    const auto a = store::parseIsoUtc(r.created), b = store::parseIsoUtc(r.finished);
    if (a && b) when += ", ended " + shortTime(r.finished) + " (" + duration(*b - *a) + ")";
    line("created", when);
    std::string tags;
    for (const auto& t : r.tags) tags += (tags.empty() ? "" : ", ") + t;
    line("tags", tags);
    line("notes", r.notes);
    line("error", r.error);
    line("workload", r.workload);
    line("backend", r.backend);
    line("shape", std::to_string(r.layers) + " layers x " + std::to_string(r.experts) +
                      " experts, " + std::to_string(r.ranks) + (r.ranks == 1 ? " rank" : " ranks"));
    line("machine", r.machine);
    line("writer", "pid " + std::to_string(r.writerPid) + " on " + r.writerHost);
    line("code", "moe-workbench " + r.codeVersion);
    line("recorded", grouped(r.steps) + " steps, " + grouped(r.tokens) + " tokens" +
                         (r.framesDropped ? ", " + grouped(r.framesDropped) +
                                                " frames dropped by the recorder (queue full)"
                                          : ""));
}

void printSummary(std::ostream& out, const Metrics& m, const store::RunRecord& r, bool recomputed) {
    using namespace store::metric;
    out << "\nSummary" << (recomputed ? " (recomputed from the stored steps)" : "") << "\n";
    TextTable t({"metric", "value"});
    const auto count = [](double v) { return grouped(static_cast<long long>(v)); };
    const auto ratio = [](double v) { return fixed(v, 3); };
    const auto time = [](double v) { return seconds(v); };
    t.addRow({"tokens/s", shownMetric(m, kTokensPerSecond, count)});
    t.addRow({"step wall p50", shownMetric(m, kStepWallP50, time)});
    t.addRow({"step wall p95", shownMetric(m, kStepWallP95, time)});
    t.addRow({"mean skewness (max/mean)", fixed(get(m, kMeanSkewness), 3)});
    t.addRow({"balancedness (mean/max rows)", shownMetric(m, kBalancedness, ratio)});
    t.addRow({"rank busy max", shownMetric(m, kRankBusyMax, time)});
    t.addRow({"rank busy mean", shownMetric(m, kRankBusyMean, time)});
    t.addRow({"dropped pairs", grouped(static_cast<long long>(get(m, kDroppedPairs)))});
    t.print(out);

    out << "\nPer layer (skewness = max/mean expert load)\n";
    TextTable layers({"layer", "skew(run)", "skew(step avg)", "cv(run)", "max expert", "dropped"});
    for (int l = 0; l < r.layers; ++l)
        layers.addRow({std::to_string(l), fixed(get(m, indexed(kLayerSkewRun, l)), 2),
                       fixed(get(m, indexed(kLayerSkewStepMean, l)), 2),
                       fixed(get(m, indexed(kLayerCvRun, l)), 3),
                       std::to_string(static_cast<long long>(get(m, indexed(kLayerHottest, l)))),
                       grouped(static_cast<long long>(get(m, indexed(kLayerDropped, l))))});
    layers.print(out);

    if (!m.count(kRankBusyMax)) {
        out << "\nPer rank: not measured (routing only: no layer ran on ranks)\n";
        return;
    }
    out << "\nPer rank (all layers)\n";
    double rows = 0, busy = 0;
    for (int g = 0; g < r.ranks; ++g) {
        rows += get(m, indexed(kRankRows, g));
        busy += get(m, indexed(kRankBusy, g));
    }
    TextTable ranks({"rank", "rows", "share", "busy", "busy share"});
    for (int g = 0; g < r.ranks; ++g) {
        const double rw = get(m, indexed(kRankRows, g)), bz = get(m, indexed(kRankBusy, g));
        ranks.addRow({std::to_string(g), grouped(static_cast<long long>(rw)),
                      fixed(rows > 0 ? 100 * rw / rows : 0, 1) + "%", seconds(bz),
                      fixed(busy > 0 ? 100 * bz / busy : 0, 1) + "%"});
    }
    ranks.print(out);
}

void printPredictionsAndDecisions(std::ostream& out, store::RunReader& reader) {
    const auto preds = reader.predictionSummary();
    if (!preds.empty()) {
        out << "\nPredictions (mean over layers and steps)\n";
        TextTable t(
            {"predictor", "horizon", "errors", "relative", "absolute", "gps", "max expert"});
        for (const auto& p : preds)
            t.addRow({p.predictor, std::to_string(p.horizon), grouped(p.count),
                      fixed(p.relativeError, 4), fixed(p.absoluteError, 5), fixed(p.gpsError, 4),
                      fixed(p.maxExpertError, 4)});
        t.print(out);
    }
    const auto decs = reader.decisionSummary();
    if (!decs.empty()) {
        out << "\nDecisions\n";
        TextTable t(
            {"policy", "decisions", "bal. before", "bal. after", "moved experts", "moved bytes"});
        for (const auto& d : decs)
            t.addRow({d.policy, grouped(d.count), fixed(d.balancednessBefore, 3),
                      fixed(d.balancednessAfter, 3), grouped(d.movedExperts),
                      grouped(d.movedBytes)});
        t.print(out);
    }
}

}  // namespace

void printRunDetails(std::ostream& out, store::ExperimentStore& store, const store::RunRecord& r) {
    printHeader(out, r);
    store::RunReader reader(store.connection(), r);
    bool recomputed = false;
    const Metrics m = store::runLevelMetrics(reader, r, &recomputed);
    if (hasWhatIf(store.connection(), r.id)) {
        out << "\nWhat-if matrix\n" << matrixTable(loadWhatIf(store.connection(), r));
    } else if (r.steps > 0) {
        printSummary(out, m, r, recomputed);
    }
    printPredictionsAndDecisions(out, reader);
    out << "\nConfiguration\n";
    const nlohmann::json config = nlohmann::json::parse(r.configJson, nullptr, false);
    const std::string text = config.is_discarded() ? r.configJson : config.dump(2);
    std::istringstream lines(text);
    for (std::string l; std::getline(lines, l);) out << "  " << l << '\n';
}

void printRunDetailsJson(std::ostream& out, store::ExperimentStore& store,
                         const store::RunRecord& r) {
    store::RunReader reader(store.connection(), r);
    bool recomputed = false;
    const Metrics m = store::runLevelMetrics(reader, r, &recomputed);
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [key, value] : m) metrics[key] = value;
    nlohmann::json predictions = nlohmann::json::array();
    for (const auto& p : reader.predictionSummary())
        predictions.push_back({{"predictor", p.predictor},
                               {"horizon", p.horizon},
                               {"errors", p.count},
                               {"relative_error", p.relativeError},
                               {"absolute_error", p.absoluteError},
                               {"gps_error", p.gpsError},
                               {"max_expert_error", p.maxExpertError}});
    nlohmann::json decisions = nlohmann::json::array();
    for (const auto& d : reader.decisionSummary())
        decisions.push_back({{"policy", d.policy},
                             {"decisions", d.count},
                             {"balancedness_before", d.balancednessBefore},
                             {"balancedness_after", d.balancednessAfter},
                             {"moved_experts", d.movedExperts},
                             {"moved_bytes", d.movedBytes}});
    const nlohmann::json config = nlohmann::json::parse(r.configJson, nullptr, false);
    const nlohmann::json whatif =
        hasWhatIf(store.connection(), r.id)
            ? nlohmann::json::parse(matrixData(loadWhatIf(store.connection(), r), "json"))
            : nlohmann::json::array();
    const nlohmann::json j{
        {"id", r.id},
        {"name", r.name},
        {"status", store::toString(r.status)},
        {"created", r.created},
        {"finished", r.finished},
        {"error", r.error},
        {"tags", r.tags},
        {"notes", r.notes},
        {"workload", r.workload},
        {"backend", r.backend},
        {"machine", r.machine},
        {"code_version", r.codeVersion},
        {"layers", r.layers},
        {"experts", r.experts},
        {"ranks", r.ranks},
        {"steps", r.steps},
        {"tokens", r.tokens},
        {"frames_dropped", r.framesDropped},
        {"metrics_recomputed", recomputed},
        {"metrics", metrics},
        {"predictions", predictions},
        {"decisions", decisions},
        {"whatif", whatif},
        {"config", config.is_discarded() ? nlohmann::json(r.configJson) : config}};
    out << j.dump(2) << '\n';
}

std::string shownMetric(const std::map<std::string, double>& metrics, const std::string& key,
                        const std::function<std::string(double)>& format) {
    auto it = metrics.find(key);
    return it == metrics.end() ? "-" : format(it->second);
}

}  // namespace moe::cli
