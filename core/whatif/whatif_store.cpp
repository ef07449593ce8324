// See whatif_store.h. The what-if's own settings (predictors, policies, cadences, warm-up,
// cluster) are kept in the run's config JSON beside the base experiment config, under
// "recorded"."whatif", so the record says exactly what was compared.
#include "core/whatif/whatif_store.h"

#include <nlohmann/json.hpp>

#include "core/common/error.h"
#include "core/store/blob_codec.h"
#include "core/store/run_writer.h"
#include "core/store/sqlite_statement.h"

namespace moe {

namespace {

std::string whatIfFacts(const WhatIfSpec& spec, const WhatIfResult& r) {
    nlohmann::json w;
    w["predictors"] = spec.predictors;
    w["policies"] = spec.policies;
    w["cadences"] = spec.cadences;
    w["thresholds"] = spec.thresholds;
    w["migration_modes"] = spec.migrationModes;
    w["spare_modes"] = spec.spareModes;
    nlohmann::json presets = nlohmann::json::array();
    for (const StackPreset& p : spec.presets) presets.push_back(p.name);
    w["presets"] = presets;
    w["warmup"] = spec.warmup;
    w["flop_rate"] = spec.cluster.flopRate;
    w["seconds_per_call"] = spec.cluster.secondsPerCall;
    w["link_gbs"] = spec.cluster.linkGBs;
    w["steps"] = r.steps;
    return nlohmann::json{{"whatif", w}}.dump();
}

void insertRows(store::SqliteConnection& db, int64_t runId, const WhatIfResult& r) {
    store::SqliteStatement ins(
        db,
        "INSERT INTO whatif_rows (run_id, row, predictor, policy, every, migration_aware, preset, "
        "steps, slowest_over_ideal, gap_closed, moved_experts, moved_bytes, rebalances, "
        "compute_seconds, exposed_copy_seconds, forecast_seconds, forecasts, per_step, "
        "threshold, spare_slots_only) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, "
        "?, ?)");
    std::vector<uint8_t> blob;
    for (size_t i = 0; i < r.rows.size(); ++i) {
        const WhatIfScore& s = r.rows[i];
        blob.clear();
        store::appendFloats(s.perStep, blob);
        ins.bind(1, runId).bind(2, static_cast<int64_t>(i)).bind(3, s.predictor).bind(4, s.policy);
        ins.bind(5, s.every).bind(6, s.migrationAware ? 1 : 0).bind(7, s.preset).bind(8, s.steps);
        ins.bind(9, s.slowestOverIdeal).bind(10, s.gapClosed).bind(11, s.movedExperts);
        ins.bind(12, s.movedBytes).bind(13, s.rebalances).bind(14, s.computeSeconds);
        ins.bind(15, s.exposedCopySeconds).bind(16, s.forecastSeconds).bind(17, s.forecasts);
        ins.bindBlob(18, blob).bind(19, s.threshold).bind(20, s.spareSlotsOnly ? 1 : 0).run();
    }
}

// The writer counts steps from telemetry batches, which a what-if has none of: its replayed
// steps are set once the run is settled.
void setSteps(store::SqliteConnection& db, int64_t runId, int64_t steps) {
    store::SqliteStatement up(db, "UPDATE experiments SET steps = ? WHERE id = ?");
    up.bind(1, steps).bind(2, runId).run();
}

}  // namespace

int64_t saveWhatIf(const std::string& databasePath, const WhatIfSpec& spec,
                   const WhatIfResult& result, bool interrupted) {
    const ExperimentRecording& rec = spec.base.recording;
    store::RunInfo info;
    info.name = rec.name.empty() ? "whatif " + spec.base.workload.spec : rec.name;
    info.tags = rec.tags;
    info.notes = rec.notes;
    info.workload = result.workload;
    ExperimentConfig base = spec.base;
    base.frontEnd = "whatif";
    info.configJson = experimentConfigJson(base, whatIfFacts(spec, result));
    info.backend = "what-if replay: placements modelled on " + std::to_string(result.ranks) +
                   " ranks, no layers executed";
    info.layers = result.layers;
    info.experts = result.experts;
    info.ranks = result.ranks;
    store::RunWriter writer(databasePath, info);
    {
        store::WriteTransaction tx(writer.connection());
        insertRows(writer.connection(), writer.runId(), result);
        tx.commit();
    }
    writer.finish(interrupted ? store::RunStatus::Interrupted : store::RunStatus::Finished,
                  interrupted ? "stopped by the user" : "", 0);
    setSteps(writer.connection(), writer.runId(), result.steps);
    return writer.runId();
}

bool hasWhatIf(store::SqliteConnection& db, int64_t runId) {
    store::SqliteStatement q(db, "SELECT 1 FROM whatif_rows WHERE run_id = ? LIMIT 1");
    q.bind(1, runId);
    return q.step();
}

namespace {
WhatIfScore rowOf(const store::SqliteStatement& q, const std::string& path) {
    WhatIfScore s;
    s.predictor = q.text(0);
    s.policy = q.text(1);
    s.every = q.integer(2);
    s.migrationAware = q.integer(3) != 0;
    s.preset = q.text(4);
    s.steps = q.integer(5);
    s.slowestOverIdeal = q.real(6);
    s.gapClosed = q.real(7);
    s.movedExperts = q.real(8);
    s.movedBytes = q.real(9);
    s.rebalances = q.integer(10);
    s.computeSeconds = q.real(11);
    s.exposedCopySeconds = q.real(12);
    s.forecastSeconds = q.real(13);
    s.forecasts = q.integer(14);
    s.threshold = q.real(16);
    s.spareSlotsOnly = q.integer(17) != 0;
    if (!store::decodeFloats(q.blob(15), s.perStep))
        throw Error::inFile(path, 0, "what-if row '" + s.predictor + "' has a damaged curve");
    if (s.steps < 0 || s.every < 0 || s.forecasts < 0 || s.rebalances < 0)
        throw Error::inFile(path, 0, "what-if row '" + s.predictor + "' has negative counts");
    return s;
}
}  // namespace

WhatIfResult loadWhatIf(store::SqliteConnection& db, const store::RunRecord& run) {
    WhatIfResult r;
    r.workload = run.workload;
    r.ranks = run.ranks;
    r.layers = run.layers;
    r.experts = run.experts;
    r.steps = run.steps;
    try {
        const auto facts = nlohmann::json::parse(run.configJson).at("recorded").at("whatif");
        r.warmup = facts.value("warmup", int64_t{0});
    } catch (const std::exception&) {
        // An older or hand-made record: no warm-up known.
    }
    store::SqliteStatement q(
        db,
        "SELECT predictor, policy, every, migration_aware, preset, steps, slowest_over_ideal, "
        "gap_closed, moved_experts, moved_bytes, rebalances, compute_seconds, "
        "exposed_copy_seconds, forecast_seconds, forecasts, per_step, threshold, spare_slots_only "
        "FROM whatif_rows "
        "WHERE "
        "run_id = ? ORDER BY row");
    q.bind(1, run.id);
    while (q.step()) r.rows.push_back(rowOf(q, db.path()));
    return r;
}

}  // namespace moe
