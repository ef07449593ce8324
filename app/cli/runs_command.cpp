// `runs [list|show|delete|tag|note]`: browse and curate the experiments in the store. Each
// sub-command opens the store itself (so a run left behind by a killed process is settled as
// interrupted first) and turns every problem into one clear message naming the file.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/cli/commands.h"
#include "app/cli/run_details.h"
#include "app/cli/store_options.h"
#include "app/cli/table_output.h"
#include "app/cli/text_table.h"
#include "core/common/error.h"
#include "core/store/experiment_store.h"

namespace moe::cli {
namespace {

struct RunsFlags {
    std::string db;
    std::string status, tag, search;
    TableOutput output;
    std::string run;
    std::vector<std::string> runs, tags;
    std::string note;
    bool yes = false, force = false, remove = false;
};

std::string clip(const std::string& s, size_t n) {
    return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

std::string tagList(const store::RunRecord& r) {
    std::string tags;
    for (const auto& tag : r.tags) tags += (tags.empty() ? "" : ",") + tag;
    return tags;
}

std::string runsJson(const std::vector<store::RunRecord>& runs) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& r : runs)
        j.push_back({{"id", r.id},
                     {"name", r.name},
                     {"status", store::toString(r.status)},
                     {"created", r.created},
                     {"finished", r.finished},
                     {"workload", r.workload},
                     {"steps", r.steps},
                     {"tokens", r.tokens},
                     {"tags", r.tags},
                     {"notes", r.notes},
                     {"error", r.error}});
    return j.dump(2) + '\n';
}

std::string runsCsv(const std::vector<store::RunRecord>& runs) {
    DataTable t({"id", "name", "status", "created", "finished", "workload", "steps", "tokens",
                 "tags", "notes", "error"});
    for (const auto& r : runs)
        t.addRow({std::to_string(r.id), r.name, store::toString(r.status), r.created, r.finished,
                  r.workload, std::to_string(r.steps), std::to_string(r.tokens), tagList(r),
                  r.notes, r.error});
    return t.csv();
}

std::string runsTable(const std::vector<store::RunRecord>& runs, const std::string& path) {
    if (runs.empty()) return "no runs match in " + path + "\n";
    TextTable t({"id", "name", "status", "created (UTC)", "workload", "steps", "tags"});
    for (size_t c : {1, 2, 3, 4, 6}) t.alignLeft(c);
    for (const auto& r : runs)
        t.addRow({std::to_string(r.id), clip(r.name, 28), store::toString(r.status),
                  shortTime(r.created), clip(r.workload, 44), grouped(r.steps), tagList(r)});
    std::ostringstream out;
    t.print(out, "");
    return out.str();
}

int listRuns(const RunsFlags& f) {
    TableSink sink(f.output);
    const std::string path = databasePath(f.db);
    store::RunFilter filter;
    if (!f.status.empty()) filter.status = store::parseRunStatus(f.status);
    filter.tag = f.tag;
    filter.search = f.search;
    std::vector<store::RunRecord> runs;
    if (!f.db.empty() || std::filesystem::exists(path)) {
        store::ExperimentStore store(path);
        runs = store.listRuns(filter);
    } else if (f.output.format == "table") {
        sink.write("no runs recorded yet (" + path + " does not exist)\n");
        return 0;
    }
    const std::string& format = f.output.format;
    sink.write(format == "json"  ? runsJson(runs)
               : format == "csv" ? runsCsv(runs)
                                 : runsTable(runs, path));
    return 0;
}

int showRun(const RunsFlags& f) {
    TableSink sink(f.output);
    store::ExperimentStore store(databasePath(f.db));
    const store::RunRecord run = store.run(store.resolveRun(f.run));
    std::ostringstream out;
    if (f.output.format == "json")
        printRunDetailsJson(out, store, run);
    else
        printRunDetails(out, store, run);
    sink.write(out.str());
    return 0;
}

bool confirm(const std::string& question) {
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

int deleteRuns(const RunsFlags& f) {
    store::ExperimentStore store(databasePath(f.db));
    std::vector<store::RunRecord> runs;
    for (const auto& key : f.runs) runs.push_back(store.run(store.resolveRun(key)));
    for (const auto& r : runs)
        if (store.writerAlive(r) && !f.force)
            throw Error::inFile(store.path(), 0,
                                "run " + runLabel(r) + " is still recording (pid " +
                                    std::to_string(r.writerPid) + " on " + r.writerHost +
                                    "); stop it first, or pass --force");
    // Without a terminal nobody can be asked: reading an answer from a pipe would take
    // whatever happens to be there (and an empty stdin used to mean "delete"), so refuse
    // unless --yes says the deletion is meant.
    if (!f.yes && !isatty(STDIN_FILENO))
        throw Error("not a terminal: pass --yes to delete without asking");
    if (!f.yes) {
        std::string list;
        for (const auto& r : runs)
            list += "\n  " + runLabel(r) + ", " + store::toString(r.status) + ", " +
                    grouped(r.steps) + " steps";
        if (!confirm("delete " + std::to_string(runs.size()) + " run(s) from " + store.path() +
                     "?" + list)) {
            std::cout << "nothing deleted\n";
            return 1;
        }
    }
    for (const auto& r : runs) {
        store.deleteRun(r.id);
        std::cout << "deleted run " << runLabel(r) << "\n";
    }
    return 0;
}

int tagRun(const RunsFlags& f) {
    store::ExperimentStore store(databasePath(f.db));
    const int64_t id = store.resolveRun(f.run);
    if (f.remove)
        store.removeTags(id, f.tags);
    else
        store.addTags(id, f.tags);
    const store::RunRecord r = store.run(id);
    std::string tags;
    for (const auto& t : r.tags) tags += (tags.empty() ? "" : ", ") + t;
    std::cout << "run " << runLabel(r) << " tags: " << (tags.empty() ? "(none)" : tags) << "\n";
    return 0;
}

int noteRun(const RunsFlags& f) {
    store::ExperimentStore store(databasePath(f.db));
    const int64_t id = store.resolveRun(f.run);
    store.setNotes(id, f.note);
    std::cout << "run " << runLabel(store.run(id)) << " notes saved\n";
    return 0;
}

}  // namespace

Action addRunsCommand(CLI::App& app) {
    auto f = std::make_shared<RunsFlags>();
    CLI::App* cmd = app.add_subcommand(
        "runs", "Browse and curate the recorded experiments (alone: the list of runs)");
    // `runs` alone lists, as a user typing it expects; --db may come before the sub-command too.
    cmd->require_subcommand(0, 1);
    addDbOption(*cmd, f->db);
    const std::string runHelp = "Run id, a run's name, or 'last'";

    CLI::App* list = cmd->add_subcommand("list", "List the runs in the experiment database");
    addDbOption(*list, f->db);
    list->add_option("--status", f->status, "Only runs with this status")
        ->check(CLI::IsMember({"running", "finished", "failed", "interrupted"}));
    list->add_option("--tag", f->tag, "Only runs with this tag");
    list->add_option("--search", f->search, "Only runs whose name, notes or workload contain this");
    addTableOutputFlags(*list, f->output);

    CLI::App* show =
        cmd->add_subcommand("show", "Show one run: config, machine, metrics, skewness");
    addDbOption(*show, f->db);
    show->add_option("run", f->run, runHelp)->required();
    // A run's details nest (config, metrics, predictions): no CSV form.
    addTableOutputFlags(*show, f->output, {"table", "json"});

    CLI::App* del = cmd->add_subcommand("delete", "Delete runs and everything they recorded");
    addDbOption(*del, f->db);
    del->add_option("runs", f->runs, "Run ids or names")->required();
    del->add_flag("-y,--yes", f->yes,
                  "Do not ask for confirmation (required when stdin is not a terminal)");
    del->add_flag("--force", f->force, "Delete even a run that is still recording");

    CLI::App* tag = cmd->add_subcommand("tag", "Add (or with --remove, remove) tags of a run");
    addDbOption(*tag, f->db);
    tag->add_option("run", f->run, runHelp)->required();
    tag->add_option("tags", f->tags, "Tags")->required();
    tag->add_flag("--remove", f->remove, "Remove the tags instead");

    CLI::App* note = cmd->add_subcommand("note", "Set a run's notes (replaces the old ones)");
    addDbOption(*note, f->db);
    note->add_option("run", f->run, runHelp)->required();
    note->add_option("text", f->note, "The notes")->required();

    return [f, list, show, del, tag, note] {
        if (list->parsed()) return listRuns(*f);
        if (show->parsed()) return showRun(*f);
        if (del->parsed()) return deleteRuns(*f);
        if (tag->parsed()) return tagRun(*f);
        if (note->parsed()) return noteRun(*f);
        return listRuns(*f);
    };
}

}  // namespace moe::cli
