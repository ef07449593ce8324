// `export RUN --what loads|ranks|predictions|decisions --format csv|json --out FILE`: a stored
// run's data for other tools. Loads CSV is exactly what `run --loads-csv` writes.
#include <cstdio>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/option_checks.h"
#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "core/common/output_file.h"
#include "core/store/experiment_store.h"
#include "core/store/run_exporter.h"

namespace moe::cli {
namespace {

struct ExportFlags {
    std::string db;
    std::string run;
    std::string format = "csv";
    std::string what = "loads";
    std::string out;
};

int execute(const ExportFlags& f) {
    store::ExperimentStore store(databasePath(f.db));
    const store::RunRecord run = store.run(store.resolveRun(f.run));
    store::RunReader reader(store.connection(), run);
    const bool toStdout = f.out.empty() || f.out == "-";
    // A file is written whole to a temporary beside it and renamed at the end, so an export
    // that fails halfway leaves the old file (or none), never a truncated one.
    std::unique_ptr<OutputFile> out = toStdout ? nullptr : std::make_unique<OutputFile>(f.out);
    std::FILE* file = toStdout ? stdout : out->get();
    std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
    const int64_t n =
        store::exportRun(reader, store::parseExportWhat(f.what), store::parseExportFormat(f.format),
                         file, toStdout ? std::string("stdout") : f.out);
    if (out) out->commit();
    if (!toStdout)
        std::cerr << "run " << runLabel(run) << ": " << grouped(n) << " records (" << f.what
                  << ") written to " << f.out << "\n";
    return 0;
}

}  // namespace

Action addExportCommand(CLI::App& app) {
    auto f = std::make_shared<ExportFlags>();
    CLI::App* cmd = app.add_subcommand("export", "Export a stored run's data as CSV or JSON");
    addDbOption(*cmd, f->db);
    cmd->add_option("run", f->run, "Run id, a run's name, or 'last'")->required();
    cmd->add_option("--what", f->what,
                    "What to export: loads (step,layer,expert,tokens), ranks "
                    "(step,layer,rank,rows,busy_seconds), predictions, decisions")
        ->check(CLI::IsMember({"loads", "ranks", "predictions", "decisions"}))
        ->capture_default_str();
    cmd->add_option("--format", f->format, "csv or json")
        ->check(CLI::IsMember({"csv", "json"}))
        ->capture_default_str();
    cmd->add_option("-o,--out", f->out, "Output file (default: stdout)")->check(outputFile());
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
