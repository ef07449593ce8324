// `stats`: whole-workload load statistics without executing any layer: per layer the
// skewness, CV and order statistics of the summed expert loads, as a table, CSV or JSON.
#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/progress_meter.h"
#include "app/cli/text_table.h"
#include "app/cli/workload_flags.h"
#include "core/common/error.h"
#include "core/common/output_file.h"
#include "core/stats/workload_stats.h"

namespace moe::cli {
namespace {

struct StatsFlags {
    WorkloadFlags workload;
    int64_t steps = 0;
    uint64_t seed = 1;
    std::string format = "table";
    std::string out;
};

void writeCsv(std::ostream& o, const WorkloadStats& st, const WorkloadShape& shape) {
    o << "layer,tokens,assignments,skewness,cv,min,median,p95,max,step_skewness_mean,"
         "step_skewness_max,model_layer\n";
    for (const auto& l : st.layers)
        o << l.layer << ',' << st.tokens << ',' << l.whole.assignments << ','
          << fixed(l.whole.skewness, 6) << ',' << fixed(l.whole.cv, 6) << ',' << l.whole.min << ','
          << fixed(l.whole.median, 1) << ',' << fixed(l.whole.p95, 2) << ',' << l.whole.max << ','
          << fixed(l.stepSkewnessMean, 6) << ',' << fixed(l.stepSkewnessMax, 6) << ','
          << shape.modelLayer(l.layer) << '\n';
}

void writeJson(std::ostream& o, const WorkloadStats& st, const Workload& w) {
    nlohmann::json j;
    j["workload"] = w.describe();
    j["experts"] = w.shape().experts;
    j["top_k"] = w.shape().topK;
    j["steps"] = st.steps;
    j["tokens"] = st.tokens;
    for (const auto& l : st.layers) {
        std::vector<int64_t> counts(st.totals.layer(l.layer).begin(),
                                    st.totals.layer(l.layer).end());
        j["layers"].push_back({{"layer", l.layer},
                               {"model_layer", w.shape().modelLayer(l.layer)},
                               {"assignments", l.whole.assignments},
                               {"skewness", l.whole.skewness},
                               {"cv", l.whole.cv},
                               {"min", l.whole.min},
                               {"median", l.whole.median},
                               {"p95", l.whole.p95},
                               {"max", l.whole.max},
                               {"step_skewness_mean", l.stepSkewnessMean},
                               {"step_skewness_max", l.stepSkewnessMax},
                               {"expert_loads", counts}});
    }
    o << j.dump(2) << '\n';
}

// "24 layers x 32 experts, top-4", with the model's layer numbers where they differ.
std::string shapeLine(const WorkloadShape& s) {
    std::string line = std::to_string(s.layers) + " layers";
    for (size_t l = 0; l < s.modelLayers.size(); ++l)
        line += (l ? ", " : " (the model's layers ") + std::to_string(s.modelLayers[l]) +
                (l + 1 == s.modelLayers.size() ? ")" : "");
    return line + " x " + std::to_string(s.experts) + " experts, top-" + std::to_string(s.topK);
}

void writeTable(std::ostream& o, const WorkloadStats& st, const Workload& w) {
    const WorkloadShape& shape = w.shape();
    o << "workload: " << w.describe() << "\n"
      << shapeLine(shape) << "\nsteps " << grouped(st.steps) << ", tokens " << grouped(st.tokens)
      << "\n\n"
      << "Per layer: each expert's load summed over all steps, in tokens; min, median, p95 and "
         "max over\nthe experts (whole tokens; --format csv or json keeps fractions). skewness = "
         "max/mean and\ncv = std/mean of those loads; step skew = skewness within single "
         "steps.\n\n";
    // Layers are numbered as the model numbers them (a recording may leave dense ones out).
    TextTable t({"layer", "skewness", "cv", "min", "median", "p95", "max", "step skew avg",
                 "step skew max"});
    std::vector<double> skews;
    for (const auto& l : st.layers) {
        skews.push_back(l.whole.skewness);
        t.addRow({std::to_string(shape.modelLayer(l.layer)), fixed(l.whole.skewness, 2),
                  fixed(l.whole.cv, 3), grouped(l.whole.min), grouped(std::llround(l.whole.median)),
                  grouped(std::llround(l.whole.p95)), grouped(l.whole.max),
                  fixed(l.stepSkewnessMean, 2), fixed(l.stepSkewnessMax, 2)});
    }
    t.print(o);
    std::sort(skews.begin(), skews.end());
    if (!skews.empty()) {
        const size_t n = skews.size();
        const double median = n % 2 ? skews[n / 2] : (skews[n / 2 - 1] + skews[n / 2]) / 2;
        o << "\nper-layer skewness: min " << fixed(skews.front(), 2) << ", median "
          << fixed(median, 2);
        // With an even count, show the two middle values too: published figures often quote
        // one of them (the GPT-OSS README's 2.54 is the upper one).
        if (n % 2 == 0 && n > 1)
            o << " (middle values " << fixed(skews[n / 2 - 1], 2) << " and "
              << fixed(skews[n / 2], 2) << ")";
        o << ", max " << fixed(skews.back(), 2) << "\n";
    }
}

int execute(const StatsFlags& f) {
    // Opened (and so checked) before the possibly long pass over the workload; written whole
    // through a temporary file, so a failure leaves no half-written output.
    std::unique_ptr<OutputFile> file =
        f.out.empty() ? nullptr : std::make_unique<OutputFile>(f.out);
    auto workload = openWorkload(f.workload.options(f.steps, f.seed));
    ProgressMeter meter(stderrIsTerminal());
    const WorkloadStats st =
        computeWorkloadStats(*workload, f.steps, [&](int64_t steps, int64_t tokens) {
            meter.update(tokens, 0, "tokens", grouped(steps) + " steps");
        });
    meter.finish();
    std::ostringstream text;
    std::ostream& o = file ? text : std::cout;
    if (f.format == "csv")
        writeCsv(o, st, workload->shape());
    else if (f.format == "json")
        writeJson(o, st, *workload);
    else
        writeTable(o, st, *workload);
    if (file) {
        file->write(text.str());
        file->commit();
    }
    return 0;
}

}  // namespace

Action addStatsCommand(CLI::App& app) {
    auto f = std::make_shared<StatsFlags>();
    CLI::App* cmd =
        app.add_subcommand("stats", "Whole-workload expert-load statistics (no layers executed)");
    f->workload.addTo(*cmd, "tokens");
    cmd->add_option("-n,--steps", f->steps, "Read at most this many steps (0 = all)")
        ->check(nonNegative<int64_t>("all"))
        ->capture_default_str();
    cmd->add_option("--seed", f->seed, "Seed for synthetic workloads")->capture_default_str();
    cmd->add_option("--format", f->format, "Output format")
        ->check(CLI::IsMember({"table", "csv", "json"}))
        ->capture_default_str();
    cmd->add_option("-o,--out", f->out, "Write to this file instead of stdout")
        ->check(outputFile());
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
