// `export RUN --what loads|ranks|predictions|decisions --format csv|json --out FILE`: a stored
// run's data for other tools. Loads CSV is exactly what `run --loads-csv` writes.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/store_options.h"
#include "app/cli/text_table.h"
#include "core/common/error.h"
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
    std::FILE* file = toStdout ? stdout : std::fopen(f.out.c_str(), "w");
    if (!file) throw Error::inFile(f.out, 0, std::string("cannot write: ") + std::strerror(errno));
    std::setvbuf(file, nullptr, _IOFBF, 1 << 20);
    int64_t n = 0;
    try {
        n = store::exportRun(reader, store::parseExportWhat(f.what),
                             store::parseExportFormat(f.format), file,
                             toStdout ? std::string("stdout") : f.out);
    } catch (...) {
        if (!toStdout) std::fclose(file);
        throw;
    }
    if (!toStdout && std::fclose(file) != 0)
        throw Error::inFile(f.out, 0, std::string("write failed: ") + std::strerror(errno));
    if (!toStdout)
        std::cerr << "run " << runLabel(run) << ": " << grouped(n) << " " << f.what
                  << " records written to " << f.out << "\n";
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
    cmd->add_option("-o,--out", f->out, "Output file (default: stdout)");
    return [f] { return execute(*f); };
}

}  // namespace moe::cli
