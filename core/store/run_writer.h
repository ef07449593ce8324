// The synchronous half of recording: creates a run's row and writes batches of records in one
// transaction each. The recorder drives it from its own thread; tests and the benchmark can
// drive it directly. Also keeps the run's headline metrics current with every batch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/engine/run_summary.h"
#include "core/store/record_queue.h"
#include "core/store/sqlite_connection.h"
#include "core/store/sqlite_statement.h"
#include "core/store/store_records.h"

namespace moe::store {

struct WriterOptions {
    // > 0: cap the database at this many pages (PRAGMA max_page_count). A size limit for
    // users who want one, and how the tests make a "full disk" without root.
    int64_t maxPageCount = 0;
};

class RunWriter {
public:
    // Opens or creates the database at `path` (creating its folder), upgrades it, switches it
    // to WAL and inserts the run as "running". Throws moe::Error naming the file on failure;
    // nothing is written to a file that is not an experiment store.
    RunWriter(const std::string& path, const RunInfo& info, const WriterOptions& options = {});
    ~RunWriter();

    int64_t runId() const { return runId_; }
    const std::string& path() const { return db_->path(); }
    int64_t committedSteps() const { return steps_; }
    // For records of a kind only one front end writes (a what-if's matrix): written in the
    // caller's own transaction before finish().
    SqliteConnection& connection() { return *db_; }

    // Writes `items` and refreshes the run's counters, heartbeat and metrics, all in one
    // transaction: either the whole batch is in the file or none of it. An empty batch only
    // refreshes the heartbeat. Throws moe::Error (disk full, run deleted meanwhile, ...);
    // after a throw only finish() may follow.
    void writeBatch(const std::vector<RecorderItem>& items, int64_t framesDropped);

    // Marks the run finished, failed or interrupted (with `error`) and checkpoints the WAL.
    void finish(RunStatus status, const std::string& error, int64_t framesDropped);

private:
    void createRun(const RunInfo& info);
    void prepare();
    void insertStep(const StepTelemetry& t);
    void insertPrediction(const PredictionRecord& p);
    void insertDecision(const DecisionRecord& d);
    void insertMetric(const MetricRecord& m);

    std::unique_ptr<SqliteConnection> db_;
    int64_t runId_ = 0;
    int layers_ = 0, experts_ = 0, ranks_ = 0;
    int64_t steps_ = 0, tokens_ = 0;
    RunSummary summary_;
    std::vector<uint8_t> blob_, blob2_;
    std::unique_ptr<SqliteStatement> stepSt_, loadSt_, rankSt_, predSt_, decSt_, metricSt_, runSt_;
};

}  // namespace moe::store
