// See run_writer.h. WAL with synchronous=NORMAL: a commit is in the WAL file (the OS's page
// cache) when COMMIT returns, so a process killed with SIGKILL loses nothing committed; only
// a power cut can lose the last batch or two, never corrupt the file. Readers keep reading
// the last committed snapshot while a batch is being written.
#include "core/store/run_writer.h"

#include "core/common/error.h"
#include "core/store/blob_codec.h"
#include "core/store/process_identity.h"
#include "core/store/schema.h"
#include "core/store/store_paths.h"
#include "core/store/summary_metrics.h"
#include "core/store/time_format.h"

namespace moe::store {

RunWriter::RunWriter(const std::string& path, const RunInfo& info, const WriterOptions& options)
    : layers_(info.layers), experts_(info.experts), ranks_(info.ranks) {
    if (info.layers <= 0 || info.experts <= 0 || info.ranks <= 0)
        throw Error::inFile(path, 0, "cannot record a run without layers, experts and ranks");
    ensureParentFolder(path);
    db_ = std::make_unique<SqliteConnection>(path, SqliteConnection::Mode::Create);
    if (db_->readOnly())  // SQLite quietly opened it read-only: recording would fail later
        throw Error::inFile(path, 0,
                            "cannot record here: the file or its folder is read-only; choose "
                            "another file with --db or $MOE_DB");
    migrate(*db_);  // reads the header first: a non-database file fails here, untouched
    db_->exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
    if (options.maxPageCount > 0)
        db_->queryInt("PRAGMA max_page_count = " + std::to_string(options.maxPageCount));
    createRun(info);
    prepare();
}

RunWriter::~RunWriter() = default;

void RunWriter::createRun(const RunInfo& info) {
    const ProcessIdentity me = ProcessIdentity::current();
    const std::string now = isoUtcNow();
    WriteTransaction tx(*db_);
    SqliteStatement ins(*db_,
                        "INSERT INTO experiments (name, notes, status, created, workload, "
                        "config, code_version, machine, backend, layers, experts, ranks, "
                        "writer_pid, writer_host, writer_start, heartbeat) VALUES "
                        "(?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, info.name).bind(2, info.notes).bind(3, now).bind(4, info.workload);
    ins.bind(5, info.configJson.empty() ? std::string("{}") : info.configJson);
    ins.bind(6, std::string_view(MOE_VERSION)).bind(7, machineDescription()).bind(8, info.backend);
    ins.bind(9, info.layers).bind(10, info.experts).bind(11, info.ranks);
    ins.bind(12, me.pid).bind(13, me.host).bind(14, me.start).bind(15, now);
    ins.run();
    runId_ = db_->lastInsertId();
    SqliteStatement tag(*db_, "INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)");
    for (const std::string& t : info.tags)
        if (!t.empty()) tag.bind(1, runId_).bind(2, t).run();
    tx.commit();
}

void RunWriter::prepare() {
    auto st = [&](const char* sql) { return std::make_unique<SqliteStatement>(*db_, sql); };
    stepSt_ = st("INSERT INTO steps (run_id, step, tokens, wall_seconds) VALUES (?, ?, ?, ?)");
    loadSt_ = st("INSERT INTO loads (run_id, layer, step, counts, dropped) VALUES (?, ?, ?, ?, ?)");
    rankSt_ = st("INSERT INTO rank_stats (run_id, layer, step, rows, busy) VALUES (?, ?, ?, ?, ?)");
    predSt_ =
        st("INSERT OR REPLACE INTO predictions (run_id, predictor, horizon, layer, step, "
           "relative_error, absolute_error, gps_error, max_expert_error, shares) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    decSt_ =
        st("INSERT OR REPLACE INTO decisions (run_id, policy, layer, step, replicas, slot_ranks, "
           "balancedness_before, balancedness_after, moved_experts, moved_bytes) "
           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    metricSt_ = st("INSERT OR REPLACE INTO metrics (run_id, key, step, value) VALUES (?, ?, ?, ?)");
    runSt_ =
        st("UPDATE experiments SET steps = ?, tokens = ?, heartbeat = ?, frames_dropped = ?, "
           "status = 'running' WHERE id = ?");
}

void RunWriter::insertStep(const StepTelemetry& t) {
    if (t.layers != layers_ || t.loads.experts() != experts_ || t.ranks != ranks_)
        throw Error::inFile(path(), 0,
                            "step " + std::to_string(t.step) + " has " + std::to_string(t.layers) +
                                " layers x " + std::to_string(t.loads.experts()) + " experts x " +
                                std::to_string(t.ranks) + " ranks, but run " +
                                std::to_string(runId_) + " was started with " +
                                std::to_string(layers_) + " x " + std::to_string(experts_) + " x " +
                                std::to_string(ranks_));
    stepSt_->bind(1, runId_).bind(2, t.step).bind(3, t.tokens).bind(4, t.wallSeconds).run();
    const size_t G = static_cast<size_t>(ranks_);
    for (int l = 0; l < layers_; ++l) {
        blob_.clear();
        appendVarints(t.loads.layer(l), blob_);
        const int64_t dropped = l < static_cast<int>(t.dropped.size()) ? t.dropped[l] : 0;
        loadSt_->bind(1, runId_).bind(2, l).bind(3, t.step).bindBlob(4, blob_).bind(5, dropped);
        loadSt_->run();
        blob_.clear();
        blob2_.clear();
        appendVarints(std::span(t.rankRows).subspan(l * G, G), blob_);
        appendDoubles(std::span(t.rankBusySeconds).subspan(l * G, G), blob2_);
        rankSt_->bind(1, runId_).bind(2, l).bind(3, t.step).bindBlob(4, blob_).bindBlob(5, blob2_);
        rankSt_->run();
    }
    ++steps_;
    tokens_ += t.tokens;
    summary_.add(t);
}

void RunWriter::insertPrediction(const PredictionRecord& p) {
    predSt_->bind(1, runId_).bind(2, p.predictor).bind(3, p.horizon).bind(4, p.layer);
    predSt_->bind(5, p.step).bind(6, p.relativeError).bind(7, p.absoluteError);
    predSt_->bind(8, p.gpsError).bind(9, p.maxExpertError);
    blob_.clear();
    if (p.shares.empty()) {
        predSt_->bindNull(10);
    } else {
        appendFloats(p.shares, blob_);
        predSt_->bindBlob(10, blob_);
    }
    predSt_->run();
}

void RunWriter::insertDecision(const DecisionRecord& d) {
    blob_.clear();
    blob2_.clear();
    appendVarints(std::span<const int32_t>(d.replicas), blob_);
    appendVarints(std::span<const int32_t>(d.slotRanks), blob2_);
    decSt_->bind(1, runId_).bind(2, d.policy).bind(3, d.layer).bind(4, d.step);
    decSt_->bindBlob(5, blob_).bindBlob(6, blob2_);
    decSt_->bind(7, d.balancednessBefore).bind(8, d.balancednessAfter);
    decSt_->bind(9, d.movedExperts).bind(10, d.movedBytes).run();
}

void RunWriter::insertMetric(const MetricRecord& m) {
    metricSt_->bind(1, runId_).bind(2, m.key).bind(3, m.step.value_or(-1)).bind(4, m.value).run();
}

void RunWriter::writeBatch(const std::vector<RecorderItem>& items, int64_t framesDropped) {
    const int64_t stepsBefore = steps_, tokensBefore = tokens_;
    try {
        WriteTransaction tx(*db_);
        for (const RecorderItem& item : items) {
            if (auto* t = std::get_if<StepTelemetry>(&item))
                insertStep(*t);
            else if (auto* p = std::get_if<PredictionRecord>(&item))
                insertPrediction(*p);
            else if (auto* d = std::get_if<DecisionRecord>(&item))
                insertDecision(*d);
            else
                insertMetric(std::get<MetricRecord>(item));
        }
        runSt_->bind(1, steps_).bind(2, tokens_).bind(3, isoUtcNow()).bind(4, framesDropped);
        runSt_->bind(5, runId_).run();
        if (db_->changes() == 0)
            throw Error::inFile(
                path(), 0, "run " + std::to_string(runId_) + " was deleted while it was recording");
        if (!items.empty())
            for (const MetricRecord& m : summaryMetrics(summary_, framesDropped)) insertMetric(m);
        tx.commit();
    } catch (...) {
        // The transaction rolled back: so do the counters finish() writes, keeping them equal
        // to the file. (The summary is not rolled back; after a failed batch only finish()
        // may follow, and it does not rewrite the metrics.)
        steps_ = stepsBefore;
        tokens_ = tokensBefore;
        throw;
    }
}

void RunWriter::finish(RunStatus status, const std::string& error, int64_t framesDropped) {
    WriteTransaction tx(*db_);
    SqliteStatement up(*db_,
                       "UPDATE experiments SET status = ?, finished = ?, error = ?, steps = ?, "
                       "tokens = ?, heartbeat = ?, frames_dropped = ? WHERE id = ?");
    const std::string now = isoUtcNow();
    up.bind(1, std::string_view(toString(status))).bind(2, now);
    if (error.empty())
        up.bindNull(3);
    else
        up.bind(3, error);
    up.bind(4, steps_).bind(5, tokens_).bind(6, now).bind(7, framesDropped).bind(8, runId_).run();
    if (db_->changes() == 0)
        throw Error::inFile(
            path(), 0, "run " + std::to_string(runId_) + " was deleted while it was recording");
    insertMetric({metric::kFramesDropped, static_cast<double>(framesDropped), std::nullopt});
    tx.commit();
}

}  // namespace moe::store
