// See experiment_store.h.
#include "core/store/experiment_store.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <span>

#include "core/common/error.h"
#include "core/store/process_identity.h"
#include "core/store/schema.h"
#include "core/store/sqlite_statement.h"
#include "core/store/time_format.h"

namespace moe::store {
namespace {

const char* kRunColumns =
    "SELECT id, name, notes, status, created, finished, error, workload, config, code_version, "
    "machine, backend, layers, experts, ranks, writer_pid, writer_host, writer_start, heartbeat, "
    "steps, tokens, frames_dropped FROM experiments e ";

// SQLite keeps whatever a damaged or hand-edited row holds ('abc' in an integer column reads
// as 0): say what is wrong instead of showing the run as if it were fine.
std::string rowDamage(const SqliteStatement& q) {
    static const std::pair<int, const char*> kWholeNumbers[] = {
        {12, "layers"}, {13, "experts"}, {14, "ranks"}, {19, "steps"}, {20, "tokens"}};
    for (const auto& [col, name] : kWholeNumbers)
        if (!q.isInteger(col) && !q.isNull(col))
            return std::string(name) + " is '" + q.text(col).substr(0, 40) +
                   "', not a whole number";
    // layers, experts and ranks (the first three) are read as int: 4294967297 must not pass
    // as 1.
    for (const auto& [col, name] : std::span(kWholeNumbers).first(3))
        if (q.integer(col) < 0 || q.integer(col) > std::numeric_limits<int>::max())
            return std::string(name) + " is " + std::to_string(q.integer(col)) + ", out of range";
    const std::string config = q.text(8);
    if (!config.empty() && !nlohmann::json::accept(config))
        return "its configuration is not JSON ('" + config.substr(0, 40) + "')";
    return {};
}

RunRecord readRun(const SqliteStatement& q) {
    RunRecord r;
    r.id = q.integer(0);
    r.name = q.text(1);
    r.notes = q.text(2);
    r.status = parseRunStatus(q.text(3));
    r.created = q.text(4);
    r.finished = q.text(5);
    r.error = q.text(6);
    r.workload = q.text(7);
    r.configJson = q.text(8);
    r.codeVersion = q.text(9);
    r.machine = q.text(10);
    r.backend = q.text(11);
    r.layers = static_cast<int>(q.integer(12));
    r.experts = static_cast<int>(q.integer(13));
    r.ranks = static_cast<int>(q.integer(14));
    r.writerPid = q.integer(15);
    r.writerHost = q.text(16);
    r.writerStart = q.text(17);
    r.heartbeat = q.text(18);
    r.steps = q.integer(19);
    r.tokens = q.integer(20);
    r.framesDropped = q.integer(21);
    r.damage = rowDamage(q);
    return r;
}

bool heartbeatStale(const std::string& heartbeat) {
    const auto t = parseIsoUtc(heartbeat);
    return !t || std::time(nullptr) - *t > kStaleHeartbeatSeconds;
}

}  // namespace

ExperimentStore::ExperimentStore(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error::inFile(path, 0,
                            "no experiment database here (`moe-workbench-cli run` creates it; "
                            "--db or $MOE_DB choose another file)");
    if (fs::is_directory(path, ec))
        throw Error::inFile(path, 0, "is a directory, not a database file");
    db_ = std::make_unique<SqliteConnection>(path, SqliteConnection::Mode::ReadWrite);
    if (db_->readOnly()) {
        // Opened read-only (a read-only file or mount). A WAL database there may not be
        // readable normally, as SQLite cannot create its shared-memory file: then read it
        // as immutable, which is what a read-only mount guarantees.
        try {
            schemaVersion(*db_);
        } catch (const Error&) {
            db_ = std::make_unique<SqliteConnection>(path, SqliteConnection::Mode::Immutable);
        }
    }
    migrate(*db_);
    settleDeadRuns();
}

ExperimentStore::~ExperimentStore() = default;

bool ExperimentStore::writerAlive(const RunRecord& run) const {
    if (run.status != RunStatus::Running || deadRuns_.count(run.id)) return false;
    const Liveness lv = liveness({run.writerPid, run.writerHost, run.writerStart});
    return lv == Liveness::Alive || (lv == Liveness::Unknown && !heartbeatStale(run.heartbeat));
}

void ExperimentStore::settleDeadRuns() {
    std::vector<RunRecord> dead;
    {
        SqliteStatement q(*db_, std::string(kRunColumns) + "WHERE status = 'running'");
        while (q.step()) {
            RunRecord r = readRun(q);
            if (!writerAlive(r)) dead.push_back(std::move(r));
        }
    }
    for (const RunRecord& r : dead) {
        const std::string why = "the recording process (pid " + std::to_string(r.writerPid) +
                                " on " + r.writerHost + ") ended without finishing the run; the " +
                                std::to_string(r.steps) + " steps committed before are kept";
        if (db_->readOnly()) {
            deadRuns_.insert(r.id);
            continue;
        }
        try {
            WriteTransaction tx(*db_);
            SqliteStatement up(*db_,
                               "UPDATE experiments SET status = 'interrupted', finished = "
                               "heartbeat, error = ? WHERE id = ? AND status = 'running' AND "
                               "heartbeat = ?");
            up.bind(1, why).bind(2, r.id).bind(3, r.heartbeat).run();
            tx.commit();
        } catch (const Error&) {
            deadRuns_.insert(r.id);  // cannot write now (full, locked): show it, fix it later
        }
    }
}

std::vector<RunRecord> ExperimentStore::query(const std::string& where,
                                              const std::vector<std::string>& args) {
    std::vector<RunRecord> runs;
    {
        SqliteStatement q(*db_, kRunColumns + where + " ORDER BY id");
        for (size_t i = 0; i < args.size(); ++i) q.bind(static_cast<int>(i + 1), args[i]);
        while (q.step()) runs.push_back(readRun(q));
    }
    std::map<int64_t, RunRecord*> byId;
    for (RunRecord& r : runs) {
        if (deadRuns_.count(r.id)) r.status = RunStatus::Interrupted;
        byId[r.id] = &r;
    }
    SqliteStatement tags(*db_, "SELECT run_id, tag FROM run_tags ORDER BY run_id, tag");
    while (tags.step()) {
        auto it = byId.find(tags.integer(0));
        if (it != byId.end()) it->second->tags.push_back(tags.text(1));
    }
    return runs;
}

std::vector<RunRecord> ExperimentStore::listRuns(const RunFilter& filter) {
    std::string where = "WHERE 1";
    std::vector<std::string> args;
    if (!filter.tag.empty()) {
        where += " AND EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = e.id AND t.tag = ?)";
        args.push_back(filter.tag);
    }
    if (!filter.search.empty()) {
        const std::string p = "lower(?" + std::to_string(args.size() + 1) + ")";
        where += " AND (instr(lower(name), " + p + ") OR instr(lower(notes), " + p +
                 ") OR instr(lower(workload), " + p + "))";
        args.push_back(filter.search);
    }
    std::vector<RunRecord> runs = query(where, args);
    if (filter.status)
        std::erase_if(runs, [&](const RunRecord& r) { return r.status != *filter.status; });
    return runs;
}

RunRecord ExperimentStore::run(int64_t id) {
    std::vector<RunRecord> runs = query("WHERE id = ?", {std::to_string(id)});
    if (runs.empty())
        throw Error::inFile(path(), 0,
                            "no run " + std::to_string(id) + " (`runs list` shows the runs)");
    return runs.front();
}

int64_t ExperimentStore::resolveRun(const std::string& key) {
    const auto digit = [](unsigned char c) { return std::isdigit(c) != 0; };
    if (!key.empty() && std::all_of(key.begin(), key.end(), digit)) {
        if (key.size() > 18) throw Error::inFile(path(), 0, "no run " + key);
        return run(std::stoll(key)).id;
    }
    if (key == "last" || key == "latest") {
        const int64_t id = db_->queryInt("SELECT coalesce(max(id), 0) FROM experiments");
        if (id == 0) throw Error::inFile(path(), 0, "no runs recorded yet");
        return id;
    }
    std::vector<int64_t> ids;
    SqliteStatement q(*db_, "SELECT id FROM experiments WHERE name = ? ORDER BY id");
    q.bind(1, key);
    while (q.step()) ids.push_back(q.integer(0));
    if (ids.empty())
        throw Error::inFile(path(), 0,
                            "no run with id or name '" + key + "' (`runs list` shows the runs)");
    if (ids.size() > 1) {
        std::string list;
        for (int64_t id : ids) list += (list.empty() ? "" : ", ") + std::to_string(id);
        throw Error::inFile(path(), 0,
                            std::to_string(ids.size()) + " runs are named '" + key + "' (ids " +
                                list + "); give the id");
    }
    return ids.front();
}

void ExperimentStore::requireWritable(const char* what) const {
    if (db_->readOnly())
        throw Error::inFile(path(), 0, std::string("cannot ") + what + ": the file is read-only");
}

void ExperimentStore::deleteRun(int64_t id) {
    requireWritable("delete runs");
    run(id);  // throws for an unknown id
    WriteTransaction tx(*db_);
    for (const char* table : {"steps", "loads", "rank_stats", "predictions", "decisions", "metrics",
                              "run_tags", "whatif_rows"}) {
        SqliteStatement del(*db_, std::string("DELETE FROM ") + table + " WHERE run_id = ?");
        del.bind(1, id).run();
    }
    SqliteStatement del(*db_, "DELETE FROM experiments WHERE id = ?");
    del.bind(1, id).run();
    tx.commit();
}

void ExperimentStore::addTags(int64_t id, const std::vector<std::string>& tags) {
    requireWritable("tag runs");
    run(id);
    WriteTransaction tx(*db_);
    SqliteStatement ins(*db_, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
    for (const std::string& t : tags)
        if (!t.empty()) ins.bind(1, id).bind(2, t).run();
    tx.commit();
}

void ExperimentStore::removeTags(int64_t id, const std::vector<std::string>& tags) {
    requireWritable("untag runs");
    run(id);
    WriteTransaction tx(*db_);
    SqliteStatement del(*db_, "DELETE FROM run_tags WHERE run_id = ? AND tag = ?");
    for (const std::string& t : tags) del.bind(1, id).bind(2, t).run();
    tx.commit();
}

void ExperimentStore::setNotes(int64_t id, const std::string& notes) {
    requireWritable("change notes");
    run(id);
    WriteTransaction tx(*db_);
    SqliteStatement up(*db_, "UPDATE experiments SET notes = ? WHERE id = ?");
    up.bind(1, notes).bind(2, id).run();
    tx.commit();
}

}  // namespace moe::store
