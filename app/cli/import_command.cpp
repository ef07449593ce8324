// `import`: another stack's routing recording (SGLang's and Megatron-Core's dumps, the routed
// experts SGLang and vLLM return, transformers' router logits) converted to the workbench's own
// forms, the native trace for per-token routing or the loads CSV for counts, printing what was
// read and what was left out. Errors (a foreign or damaged file) propagate as moe::Error, which
// main prints with a non-zero exit.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "core/common/error.h"
#include "core/imports/import_routing.h"

namespace moe::cli {
namespace {

struct ImportFlags {
    std::vector<std::string> paths;
    std::string out;
    int topK = 0;
};

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

int execute(const ImportFlags& f) {
    const ImportedRouting routing = importRouting(f.paths, f.topK);
    std::cout << describeImport(routing);
    if (f.out.empty()) {
        std::cout << "(nothing written: --out FILE.tsv.gz for the native trace, --out FILE.csv "
                     "for loads)\n";
        return 0;
    }
    if (endsWith(f.out, ".csv")) {
        writeImportedLoads(routing, f.out);
    } else if (endsWith(f.out, ".json")) {
        writeLogicalCountJson(routing, f.out);
    } else if (endsWith(f.out, ".tsv.gz") || endsWith(f.out, ".tsv")) {
        std::cout << writeNativeTrace(routing, f.out) << '\n';
    } else {
        throw Error(f.out +
                    ": name the output .tsv.gz (native trace), .csv (loads) or .json "
                    "(SGLang's logical_count)");
    }
    std::cout << "written: " << f.out << '\n';
    return 0;
}

}  // namespace

Action addImportCommand(CLI::App& app) {
    auto f = std::make_shared<ImportFlags>();
    CLI::App* cmd = app.add_subcommand(
        "import",
        "Read a routing recording another stack wrote (SGLang, vLLM, Megatron-Core, "
        "transformers) and write it as a native trace, loads CSV or SGLang's logical_count");
    cmd->footer(
        "Formats, told from the content:\n"
        "  SGLang expert-distribution recorder: .pt (stat, per_pass, per_token), older "
        "per-rank CSV\n"
        "  Megatron-Core: router_trace_rank{r}.jsonl, tokens_per_expert/rank{r}.jsonl\n"
        "  SGLang/vLLM routed experts (--enable-return-routed-experts): the responses as JSON "
        "lines,\n    or .npy [tokens, layers, top_k] per request\n"
        "  transformers router logits: .npy or .safetensors, per layer or stacked (--top-k)\n"
        "A folder is read as one recording's per-rank, per-request or per-layer files.");
    cmd->add_option("paths", f->paths, "Dump files, or a folder of one dump's per-rank files")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("-o,--out", f->out,
                    "FILE.tsv.gz: the native trace (per-token routing, with its .shape sidecar); "
                    "FILE.csv: per-step loads (step,layer,expert,tokens); FILE.json: SGLang's "
                    "logical_count [steps, layers, experts], for --init-expert-location");
    cmd->add_option("--top-k", f->topK,
                    "The model's experts per token where the recording does not say (router "
                    "logits; counts-only dumps infer it)")
        ->check(CLI::Range(1, 1024));
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
