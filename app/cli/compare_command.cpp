// `compare RUN RUN...`: the key figures of several stored runs side by side, one column per
// run, so a change of policy, batching or rank count reads off one table.
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/run_details.h"
#include "app/cli/store_options.h"
#include "app/cli/table_output.h"
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
    TableOutput output;
};

struct Column {
    store::RunRecord run;
    std::map<std::string, double> m;
    std::vector<store::PredictionSummary> predictions;
};

// One figure of one run: as the table shows it, and raw for CSV and JSON ("" = unknown).
struct Cell {
    std::string text, raw;
};
using CellOf = std::function<Cell(const Column&)>;

Cell text(const std::string& s) { return {s, s}; }

// The comparison as (label, cell per run) rows, in the order the table shows them.
class Rows {
public:
    explicit Rows(const std::vector<Column>& cols) : cols_(cols) {}
    void add(const std::string& label, const CellOf& cell) {
        std::vector<Cell> r;
        for (const Column& c : cols_) r.push_back(cell(c));
        rows_.emplace_back(label, std::move(r));
    }
    std::string render(const std::string& format) const;

private:
    const std::vector<Column>& cols_;
    std::vector<std::pair<std::string, std::vector<Cell>>> rows_;
};

std::string Rows::render(const std::string& format) const {
    std::vector<std::string> header{"metric"};
    for (const Column& c : cols_) header.push_back("run " + std::to_string(c.run.id));
    if (format == "table") {
        TextTable t(header);
        for (const auto& [label, cells] : rows_) {
            std::vector<std::string> r{label};
            for (const Cell& c : cells) r.push_back(c.text);
            t.addRow(r);
        }
        std::ostringstream out;
        t.print(out, "");
        return out.str();
    }
    DataTable t(header);
    for (const auto& [label, cells] : rows_) {
        std::vector<std::string> r{label};
        for (const Cell& c : cells) r.push_back(c.raw);
        t.addRow(r);
    }
    return format == "csv" ? t.csv() : t.json();
}

// A run-level metric: formatted, or "-" (raw "") when the run did not measure it.
CellOf metricCell(const char* key, std::function<std::string(double)> format) {
    return [key, format](const Column& c) {
        const auto it = c.m.find(key);
        return Cell{shownMetric(c.m, key, format), it == c.m.end() ? "" : rawNumber(it->second)};
    };
}

// max/mean of two metrics, "-" when the mean is 0 or unknown.
CellOf ratioCell(const char* maxKey, const char* meanKey) {
    return [maxKey, meanKey](const Column& c) {
        const auto max = c.m.find(maxKey), mean = c.m.find(meanKey);
        if (max == c.m.end() || mean == c.m.end() || mean->second <= 0) return Cell{"-", ""};
        const double v = max->second / mean->second;
        return Cell{fixed(v, 3), rawNumber(v)};
    };
}

void addRunRows(Rows& rows) {
    rows.add("name", [](const Column& c) { return text(c.run.name); });
    rows.add("status", [](const Column& c) { return text(store::toString(c.run.status)); });
    rows.add("workload", [](const Column& c) {
        // The end names the file: cut from the left, or two traces look the same.
        const std::string& w = c.run.workload;
        return Cell{w.size() > 40 ? "..." + w.substr(w.size() - 37) : w, w};
    });
    rows.add("layers x experts, ranks", [](const Column& c) {
        return text(std::to_string(c.run.layers) + "x" + std::to_string(c.run.experts) + ", " +
                    std::to_string(c.run.ranks));
    });
    rows.add("steps", [](const Column& c) {
        return Cell{grouped(c.run.steps), std::to_string(c.run.steps)};
    });
    rows.add("tokens", [](const Column& c) {
        return Cell{grouped(c.run.tokens), std::to_string(c.run.tokens)};
    });
}

void addMetricRows(Rows& rows) {
    using namespace store::metric;
    const auto time = [](double v) { return seconds(v); };
    rows.add("tokens/s", metricCell(kTokensPerSecond,
                                    [](double v) { return grouped(static_cast<long long>(v)); }));
    rows.add("step wall p50", metricCell(kStepWallP50, time));
    rows.add("step wall p95", metricCell(kStepWallP95, time));
    rows.add("mean skewness", metricCell(kMeanSkewness, [](double v) { return fixed(v, 3); }));
    rows.add("balancedness", metricCell(kBalancedness, [](double v) { return fixed(v, 3); }));
    rows.add("rank busy max", metricCell(kRankBusyMax, time));
    rows.add("rank busy mean", metricCell(kRankBusyMean, time));
    rows.add("busy max/mean", ratioCell(kRankBusyMax, kRankBusyMean));
    rows.add("rows max/mean", ratioCell(kRankRowsMax, kRankRowsMean));
    rows.add("dropped pairs", metricCell(kDroppedPairs, [](double v) {
                 return grouped(static_cast<long long>(v));
             }));
    rows.add("frames dropped", [](const Column& c) {
        return Cell{grouped(c.run.framesDropped), std::to_string(c.run.framesDropped)};
    });
}

// Prediction errors, one row per (predictor, horizon) any of the runs has.
void addPredictionRows(Rows& rows, const std::vector<Column>& cols) {
    std::map<std::pair<std::string, int>, bool> seen;
    for (const auto& c : cols)
        for (const auto& p : c.predictions) seen[{p.predictor, p.horizon}] = true;
    for (const auto& [key, unused] : seen)
        rows.add("rel. error " + key.first + " H=" + std::to_string(key.second),
                 [key = key](const Column& c) {
                     for (const auto& p : c.predictions)
                         if (p.predictor == key.first && p.horizon == key.second)
                             return Cell{fixed(p.relativeError, 4), rawNumber(p.relativeError)};
                     return Cell{"-", ""};
                 });
}

int execute(const CompareFlags& f) {
    TableSink sink(f.output);
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
    Rows rows(cols);
    addRunRows(rows);
    addMetricRows(rows);
    addPredictionRows(rows, cols);
    sink.write(rows.render(f.output.format));
    return 0;
}

}  // namespace

Action addCompareCommand(CLI::App& app) {
    auto f = std::make_shared<CompareFlags>();
    CLI::App* cmd = app.add_subcommand("compare", "Key metrics of stored runs side by side");
    addDbOption(*cmd, f->db);
    cmd->add_option("runs", f->runs, "Run ids or names (two or more)")->required()->expected(2, -1);
    addTableOutputFlags(*cmd, f->output);
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
