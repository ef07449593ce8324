// `compare RUN RUN...`: the key figures of several stored runs side by side, one column per
// run, so a change of policy, batching or rank count reads off one table.
#include <functional>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/run_details.h"
#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"
#include "core/store/summary_metrics.h"

namespace moe::cli {
namespace {

struct CompareFlags {
    std::string db;
    std::vector<std::string> runs;
};

struct Column {
    store::RunRecord run;
    std::map<std::string, double> m;
    std::vector<store::PredictionSummary> predictions;
};

int execute(const CompareFlags& f) {
    store::ExperimentStore store(databasePath(f.db));
    std::vector<Column> cols;
    for (const auto& key : f.runs) {
        Column c;
        c.run = store.run(store.resolveRun(key));
        store::RunReader reader(store.connection(), c.run);
        c.m = store::runLevelMetrics(reader, c.run);
        c.predictions = reader.predictionSummary();
        cols.push_back(std::move(c));
    }
    std::vector<std::string> header{"metric"};
    for (const auto& c : cols) header.push_back("run " + std::to_string(c.run.id));
    TextTable t(header);
    auto row = [&](const std::string& label, auto cell) {
        std::vector<std::string> r{label};
        for (const auto& c : cols) r.push_back(cell(c));
        t.addRow(r);
    };
    auto metric = [&](const char* key) {
        return [key](const Column& c) {
            auto it = c.m.find(key);
            return it == c.m.end() ? 0.0 : it->second;
        };
    };
    auto measured = [&](const char* key, std::function<std::string(double)> format) {
        return [key, format](const Column& c) { return shownMetric(c.m, key, format); };
    };
    const auto time = [](double v) { return seconds(v); };
    using namespace store::metric;
    row("name", [](const Column& c) { return c.run.name; });
    row("status", [](const Column& c) { return std::string(store::toString(c.run.status)); });
    row("workload", [](const Column& c) {
        // The end names the file: cut from the left, or two traces look the same.
        return c.run.workload.size() > 40
                   ? "..." + c.run.workload.substr(c.run.workload.size() - 37)
                   : c.run.workload;
    });
    row("layers x experts, ranks", [](const Column& c) {
        return std::to_string(c.run.layers) + "x" + std::to_string(c.run.experts) + ", " +
               std::to_string(c.run.ranks);
    });
    row("steps", [](const Column& c) { return grouped(c.run.steps); });
    row("tokens", [](const Column& c) { return grouped(c.run.tokens); });
    row("tokens/s",
        measured(kTokensPerSecond, [](double v) { return grouped(static_cast<long long>(v)); }));
    row("step wall p50", measured(kStepWallP50, time));
    row("step wall p95", measured(kStepWallP95, time));
    row("mean skewness", [&](const Column& c) { return fixed(metric(kMeanSkewness)(c), 3); });
    row("balancedness", measured(kBalancedness, [](double v) { return fixed(v, 3); }));
    row("rank busy max", measured(kRankBusyMax, time));
    row("rank busy mean", measured(kRankBusyMean, time));
    row("busy max/mean", [&](const Column& c) {
        const double mean = metric(kRankBusyMean)(c);
        return mean > 0 ? fixed(metric(kRankBusyMax)(c) / mean, 3) : std::string("-");
    });
    row("rows max/mean", [&](const Column& c) {
        const double mean = metric(kRankRowsMean)(c);
        return mean > 0 ? fixed(metric(kRankRowsMax)(c) / mean, 3) : std::string("-");
    });
    row("dropped pairs",
        [&](const Column& c) { return grouped(static_cast<long long>(metric(kDroppedPairs)(c))); });
    row("frames dropped", [](const Column& c) { return grouped(c.run.framesDropped); });
    // Prediction errors, one row per (predictor, horizon) any of the runs has.
    std::map<std::pair<std::string, int>, bool> seen;
    for (const auto& c : cols)
        for (const auto& p : c.predictions) seen[{p.predictor, p.horizon}] = true;
    for (const auto& [key, unused] : seen)
        row("rel. error " + key.first + " H=" + std::to_string(key.second), [&](const Column& c) {
            for (const auto& p : c.predictions)
                if (p.predictor == key.first && p.horizon == key.second)
                    return fixed(p.relativeError, 4);
            return std::string("-");
        });
    t.print(std::cout, "");
    return 0;
}

}  // namespace

Action addCompareCommand(CLI::App& app) {
    auto f = std::make_shared<CompareFlags>();
    CLI::App* cmd = app.add_subcommand("compare", "Key metrics of stored runs side by side");
    addDbOption(*cmd, f->db);
    cmd->add_option("runs", f->runs, "Run ids or names (two or more)")->required()->expected(2, -1);
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
