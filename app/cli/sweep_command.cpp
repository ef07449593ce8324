// `sweep`: the MoE-GPS-style performance model over skewness x bandwidth x strategy: which
// strategy (no duplication, distribution-only duplication, token-to-expert prediction) wins
// where, as a table and CSV, every term of one point on request, and the gap between the
// strategies at MMLU-like skewness next to the paper's 23%.
#include <iostream>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/store_options.h"
#include "app/cli/table_output.h"
#include "app/cli/text_table.h"
#include "core/balance/perf_sweep.h"
#include "core/common/error.h"
#include "core/common/output_file.h"
#include "core/store/experiment_store.h"
#include "core/whatif/measured_strategies.h"

namespace moe::cli {
namespace {

struct SweepFlags {
    std::vector<double> skews{1.2, 1.4, 1.6, 1.8, 2.0};
    std::vector<double> bandwidths{600, 200, 64, 32};
    int ranks = 4;
    int64_t tokens = 512;
    int layers = 32, hidden = 4096, ffn = 14336, experts = 8, topK = 2;
    int bytes = 2;
    double tflops = 312;
    double gapSkew = kMmluLikeSkew;
    double termsSkew = 0, termsBandwidth = 0;
    std::string csv;  // the older spelling of --format csv --out FILE, kept working
    TableOutput output;
    std::string from, db;  // a stored run whose measured figures replace the assumed ones
};

void printTerms(std::ostream& out, const SweepSpec& spec, double skew, double gbs) {
    out << "\nEvery term of one layer at skewness " << fixed(skew, 2) << ", " << fixed(gbs, 0)
        << " GB/s:\n";
    TextTable t({"strategy", "pred", "attn", "scatter", "ffn (slowest)", "gather", "copy",
                 "total/layer", "model"});
    PerfConfig c = spec.base;
    c.skew = skew;
    c.linkGBs = gbs;
    for (const Strategy& s : defaultStrategies(c)) {
        const LayerTimes lt = modelLayer(c, s);
        std::vector<std::string> row{s.name};
        for (const auto& [name, sec] : lt.terms()) row.push_back(seconds(sec));
        row.push_back(seconds(lt.total()));
        row.push_back(seconds(lt.total() * c.model.layers));
        t.addRow(row);
    }
    t.print(out);
}

// Refuses configurations the model would happily compute but no router can produce: a token
// picks top-k distinct experts, so k <= E; and the hottest expert gets at most every token,
// a share of 1/k against the mean 1/E, so skewness (max/mean) is at most E/k.
void checkModelledConfiguration(const SweepFlags& f) {
    if (f.topK > f.experts)
        throw Error("--top-k " + std::to_string(f.topK) + " is more than --experts " +
                    std::to_string(f.experts) + ": each token picks top-k distinct experts");
    const double maxSkew = static_cast<double>(f.experts) / f.topK;
    auto check = [&](const char* flag, double skew) {
        if (skew > maxSkew + 1e-9)
            throw Error(std::string(flag) + " " + fixed(skew, 2) +
                        ": above the largest skewness possible with " + std::to_string(f.experts) +
                        " experts and top-" + std::to_string(f.topK) +
                        ", E/k = " + fixed(maxSkew, 2) + " (every token on the hottest expert)");
    };
    for (double s : f.skews) check("--skews", s);
    check("--gap-skew", f.gapSkew);
    if (f.termsSkew > 0) check("--terms", f.termsSkew);
}

SweepSpec specOf(const SweepFlags& f) {
    SweepSpec spec = SweepSpec::moeGpsFigure();
    spec.skews = f.skews;
    spec.bandwidthsGBs = f.bandwidths;
    spec.base.ranks = f.ranks;
    spec.base.tokens = f.tokens;
    spec.base.model.layers = f.layers;
    spec.base.model.hidden = f.hidden;
    spec.base.model.ffn = f.ffn;
    spec.base.model.experts = f.experts;
    spec.base.model.topK = f.topK;
    spec.base.bytesPerElement = f.bytes;
    spec.base.flopRate = f.tflops * 1e12;
    validatePerfConfig(spec.base);
    return spec;
}

// Every point, raw, for --format json (the same columns as the CSV).
std::string sweepJson(const std::vector<SweepRow>& rows) {
    DataTable t({"skew", "bandwidth_gbs", "strategy", "total_ms", "winner", "pred_us", "attn_us",
                 "scatter_us", "ffn_us", "gather_us", "copy_us"});
    for (const SweepRow& r : rows) {
        const LayerTimes& l = r.layer;
        t.addRow({rawNumber(r.skew), rawNumber(r.bandwidthGBs), r.strategy,
                  rawNumber(r.seconds * 1e3), r.winner ? "1" : "0", rawNumber(l.pred * 1e6),
                  rawNumber(l.attn * 1e6), rawNumber(l.scatter * 1e6), rawNumber(l.ffn * 1e6),
                  rawNumber(l.gather * 1e6), rawNumber(l.copy * 1e6)});
    }
    return t.json();
}

// The text report: the winner grid, the strategy gap and, on request, every term of a point.
std::string sweepReport(const SweepFlags& f, const SweepSpec& spec,
                        const std::vector<SweepRow>& rows) {
    std::ostringstream out;
    out << "Model: " << f.layers << " layers, hidden " << f.hidden << ", ffn " << f.ffn << ", "
        << f.experts << " experts, top-" << f.topK << "; " << f.ranks << " GPUs at "
        << fixed(f.tflops, 0) << " TFLOP/s, " << f.tokens << " tokens, " << f.bytes
        << " bytes per element\n\n"
        << sweepTable(rows);
    const StrategyGap g = distributionVsTokenGap(spec, f.gapSkew, f.bandwidths.front());
    out << "\nAt skewness " << fixed(g.skew, 2) << " and " << fixed(g.bandwidthGBs, 0)
        << " GB/s: distribution-only " << seconds(g.distributionSeconds)
        << ", best token-to-expert (" << g.bestToken << ") " << seconds(g.tokenSeconds)
        << ": distribution-only faster by " << fixed(g.gapPercent, 1)
        << "% (MoE-GPS reports more than " << fixed(g.paperGapPercent, 0)
        << "% on Mixtral 8x7B with MMLU)\n";
    if (f.termsSkew > 0)
        printTerms(out, spec, f.termsSkew,
                   f.termsBandwidth > 0 ? f.termsBandwidth : f.bandwidths.front());
    return out.str();
}

// --from: the stored run's measured strategies, and where each figure comes from.
std::string useMeasured(const SweepFlags& f, SweepSpec& spec) {
    store::ExperimentStore store(databasePath(f.db));
    const store::RunRecord run = store.run(store.resolveRun(f.from));
    const MeasuredStrategies m = measuredStrategies(store.connection(), run, spec.base);
    spec.strategies = m.plain();
    std::ostringstream out;
    out << "Strategies from run " << run.id << " (" << run.name << ")";
    if (m.skew > 0) out << ", whose steps had skewness " << fixed(m.skew, 2) << " on average";
    out << ":\n" << describeStrategies(m) << "\n";
    return out.str();
}

int execute(const SweepFlags& f) {
    checkModelledConfiguration(f);
    TableSink sink(f.output);
    SweepSpec spec = specOf(f);
    const std::string provenance = f.from.empty() ? "" : useMeasured(f, spec);
    const auto rows = sweep(spec);
    const std::string& format = f.output.format;
    sink.write(format == "csv"    ? sweepCsv(rows)
               : format == "json" ? sweepJson(rows)
                                  : provenance + sweepReport(f, spec, rows));
    if (!f.csv.empty()) {
        writeOutputFile(f.csv, sweepCsv(rows));
        (format == "table" ? std::cout : std::cerr) << "\nCSV written to " << f.csv << "\n";
    }
    return 0;
}

}  // namespace

Action addSweepCommand(CLI::App& app) {
    auto f = std::make_shared<SweepFlags>();
    CLI::App* cmd = app.add_subcommand(
        "sweep", "Model which load strategy wins over skewness x bandwidth (MoE-GPS style)");
    cmd->add_option("--skews", f->skews, "Skewness values (max/mean expert load)")
        ->check(atLeast(1.0, "skewness is max/mean load"))
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--bandwidths", f->bandwidths, "Link bandwidths in GB/s")
        ->check(positive<double>())
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("-G,--ranks", f->ranks, "GPUs")->check(inRange(2, 4096))->capture_default_str();
    cmd->add_option("--tokens", f->tokens, "Tokens per step (a prefill of 512 in the paper)")
        ->check(positive<int64_t>())
        ->capture_default_str();
    cmd->add_option("--layers", f->layers, "MoE layers")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--hidden", f->hidden, "Model width")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--ffn", f->ffn, "Expert inner width")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--experts", f->experts, "Experts per layer")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--top-k", f->topK, "Experts per token")
        ->check(positive<int>())
        ->capture_default_str();
    cmd->add_option("--bytes", f->bytes, "Bytes per element (2 = fp16/bf16)")
        ->check(inRange(1, 8))
        ->capture_default_str();
    cmd->add_option("--tflops", f->tflops, "FLOP rate per GPU in TFLOP/s")
        ->check(positive<double>())
        ->capture_default_str();
    cmd->add_option("--gap-skew", f->gapSkew,
                    "Skewness at which to report the strategy gap (MMLU-like)")
        ->check(atLeast(1.0, "skewness is max/mean load"))
        ->capture_default_str();
    cmd->add_option("--terms", f->termsSkew, "Print every term of the model at this skewness")
        ->check(nonNegative<double>("off"));
    cmd->add_option("--terms-bandwidth", f->termsBandwidth,
                    "... and this bandwidth (default: the first)")
        ->check(nonNegative<double>("the first of --bandwidths"));
    cmd->add_option("--from", f->from,
                    "Use the measured figures of a stored run (id or name): each predictor of a "
                    "`predict` or `run -p` run (share error, cost, token accuracy) or each "
                    "combination of a `whatif` run (the imbalance its plans left, its cost); "
                    "families it did not measure keep the assumed figures, marked so");
    addDbOption(*cmd, f->db);
    addTableOutputFlags(*cmd, f->output);
    cmd->add_option("--csv", f->csv, "Also write every point as CSV to this file")
        ->check(outputFile());
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
