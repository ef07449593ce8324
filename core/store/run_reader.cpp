// See run_reader.h. forEachStep merges 2L+1 range scans (steps, and loads and rank_stats of
// every layer) in lockstep: each table is clustered by (run, layer, step), so L cursors moving
// forward together read the run step by step without sorting 24M rows.
#include "core/store/run_reader.h"

#include <algorithm>
#include <memory>

#include "core/common/error.h"
#include "core/common/resource_limits.h"
#include "core/store/blob_codec.h"
#include "core/store/sqlite_statement.h"

namespace moe::store {

RunReader::RunReader(SqliteConnection& db, RunRecord run) : db_(db), run_(std::move(run)) {
    // The run's shape sizes every array decoded below and the statements opened per layer; it
    // is the file's word, so a damaged row must be a message, not gigabytes of allocation.
    if (!run_.damage.empty())
        throw Error::inFile(
            db_.path(), 0,
            "the database is damaged: run " + std::to_string(run_.id) + ": " + run_.damage);
    const auto bad = [](int v) { return v < 0 || v > limits::kStoredDimension; };
    if (bad(run_.layers) || bad(run_.experts) || bad(run_.ranks) ||
        int64_t{run_.layers} * std::max(run_.experts, run_.ranks) > limits::kStoredCells)
        throw Error::inFile(db_.path(), 0,
                            "the database is damaged: run " + std::to_string(run_.id) + " has " +
                                std::to_string(run_.layers) + " layers, " +
                                std::to_string(run_.experts) + " experts and " +
                                std::to_string(run_.ranks) + " ranks");
}

void RunReader::damaged(const char* table, int layer, int64_t step) const {
    throw Error::inFile(db_.path(), 0,
                        std::string("the database is damaged: ") + table + " of run " +
                            std::to_string(run_.id) + ", layer " + std::to_string(layer) +
                            ", step " + std::to_string(step) + " does not decode");
}

LayerHistory RunReader::layerLoads(int layer, int64_t from, int64_t to) {
    LayerHistory h;
    h.experts = run_.experts;
    SqliteStatement q(db_,
                      "SELECT step, counts, dropped FROM loads WHERE run_id = ? AND layer = ? "
                      "AND step BETWEEN ? AND ? ORDER BY step");
    q.bind(1, run_.id).bind(2, layer).bind(3, from).bind(4, to);
    const size_t E = static_cast<size_t>(run_.experts);
    while (q.step()) {
        const int64_t step = q.integer(0);
        h.steps.push_back(step);
        h.counts.resize(h.counts.size() + E);
        if (!decodeVarints(q.blob(1), E, h.counts.data() + h.counts.size() - E))
            damaged("loads", layer, step);
        h.dropped.push_back(q.integer(2));
    }
    return h;
}

std::vector<int64_t> RunReader::stepNumbers() {
    std::vector<int64_t> out;
    SqliteStatement q(db_, "SELECT step FROM steps WHERE run_id = ? ORDER BY step");
    q.bind(1, run_.id);
    while (q.step()) out.push_back(q.integer(0));
    return out;
}

void RunReader::forEachStep(const std::function<void(const StepTelemetry&)>& fn, int64_t from,
                            int64_t to) {
    const int L = run_.layers, E = run_.experts, G = run_.ranks;
    ReadTransaction snapshot(db_);
    SqliteStatement steps(db_,
                          "SELECT step, tokens, wall_seconds FROM steps WHERE run_id = ? "
                          "AND step BETWEEN ? AND ? ORDER BY step");
    steps.bind(1, run_.id).bind(2, from).bind(3, to);
    std::vector<std::unique_ptr<SqliteStatement>> loads, ranks;
    for (int l = 0; l < L; ++l) {
        loads.push_back(std::make_unique<SqliteStatement>(
            db_,
            "SELECT step, counts, dropped FROM loads WHERE run_id = ? AND layer = ? "
            "AND step BETWEEN ? AND ? ORDER BY step"));
        loads.back()->bind(1, run_.id).bind(2, l).bind(3, from).bind(4, to);
        ranks.push_back(std::make_unique<SqliteStatement>(
            db_,
            "SELECT step, rows, busy FROM rank_stats WHERE run_id = ? AND layer = ? "
            "AND step BETWEEN ? AND ? ORDER BY step"));
        ranks.back()->bind(1, run_.id).bind(2, l).bind(3, from).bind(4, to);
    }
    StepTelemetry t;
    t.layers = L;
    t.ranks = G;
    t.loads = LoadMatrix(L, E);
    t.dropped.assign(L, 0);
    t.rankRows.assign(static_cast<size_t>(L) * G, 0);
    t.rankBusySeconds.assign(static_cast<size_t>(L) * G, 0);
    while (steps.step()) {
        t.step = steps.integer(0);
        t.tokens = static_cast<int>(steps.integer(1));
        t.wallSeconds = steps.real(2);
        for (int l = 0; l < L; ++l) {
            SqliteStatement& lq = *loads[l];
            if (!lq.step() || lq.integer(0) != t.step) damaged("loads", l, t.step);
            if (!decodeVarints(lq.blob(1), E, &t.loads.at(l, 0))) damaged("loads", l, t.step);
            t.dropped[l] = lq.integer(2);
            SqliteStatement& rq = *ranks[l];
            if (!rq.step() || rq.integer(0) != t.step) damaged("rank_stats", l, t.step);
            if (!decodeVarints(rq.blob(1), G, &t.rankRows[static_cast<size_t>(l) * G]) ||
                !decodeDoubles(rq.blob(2), G, &t.rankBusySeconds[static_cast<size_t>(l) * G]))
                damaged("rank_stats", l, t.step);
        }
        fn(t);
    }
}

void RunReader::forEachPrediction(const std::function<void(const PredictionRecord&)>& fn) {
    SqliteStatement q(db_,
                      "SELECT predictor, horizon, layer, step, relative_error, absolute_error, "
                      "gps_error, max_expert_error, shares FROM predictions WHERE run_id = ? "
                      "ORDER BY predictor, horizon, layer, step");
    q.bind(1, run_.id);
    PredictionRecord p;
    while (q.step()) {
        p.predictor = q.text(0);
        p.horizon = static_cast<int>(q.integer(1));
        p.layer = static_cast<int>(q.integer(2));
        p.step = q.integer(3);
        p.relativeError = q.real(4);
        p.absoluteError = q.real(5);
        p.gpsError = q.real(6);
        p.maxExpertError = q.real(7);
        p.shares.clear();
        if (!q.isNull(8) && !decodeFloats(q.blob(8), p.shares))
            damaged("predictions", p.layer, p.step);
        fn(p);
    }
}

void RunReader::forEachDecision(const std::function<void(const DecisionRecord&)>& fn) {
    SqliteStatement q(db_,
                      "SELECT step, layer, policy, replicas, slot_ranks, balancedness_before, "
                      "balancedness_after, moved_experts, moved_bytes FROM decisions "
                      "WHERE run_id = ? ORDER BY step, layer, policy");
    q.bind(1, run_.id);
    DecisionRecord d;
    std::vector<int64_t> v;
    while (q.step()) {
        d.step = q.integer(0);
        d.layer = static_cast<int>(q.integer(1));
        d.policy = q.text(2);
        if (!decodeVarints(q.blob(3), v)) damaged("decisions", d.layer, d.step);
        d.replicas.assign(v.begin(), v.end());
        if (!decodeVarints(q.blob(4), v)) damaged("decisions", d.layer, d.step);
        d.slotRanks.assign(v.begin(), v.end());
        d.balancednessBefore = q.real(5);
        d.balancednessAfter = q.real(6);
        d.movedExperts = q.integer(7);
        d.movedBytes = q.integer(8);
        fn(d);
    }
}

std::vector<PredictionSummary> RunReader::predictionSummary() {
    SqliteStatement q(db_,
                      "SELECT predictor, horizon, count(*), avg(relative_error), "
                      "avg(absolute_error), avg(gps_error), avg(max_expert_error) FROM "
                      "predictions WHERE run_id = ? GROUP BY predictor, horizon "
                      "ORDER BY predictor, horizon");
    q.bind(1, run_.id);
    std::vector<PredictionSummary> out;
    while (q.step())
        out.push_back({q.text(0), static_cast<int>(q.integer(1)), q.integer(2), q.real(3),
                       q.real(4), q.real(5), q.real(6)});
    return out;
}

std::vector<DecisionSummary> RunReader::decisionSummary() {
    SqliteStatement q(db_,
                      "SELECT policy, count(*), avg(balancedness_before), "
                      "avg(balancedness_after), sum(moved_experts), sum(moved_bytes) FROM "
                      "decisions WHERE run_id = ? GROUP BY policy ORDER BY policy");
    q.bind(1, run_.id);
    std::vector<DecisionSummary> out;
    while (q.step())
        out.push_back({q.text(0), q.integer(1), q.real(2), q.real(3), q.integer(4), q.integer(5)});
    return out;
}

std::vector<MetricRecord> RunReader::metrics() {
    SqliteStatement q(db_,
                      "SELECT key, value, step FROM metrics WHERE run_id = ? ORDER BY step, key");
    q.bind(1, run_.id);
    std::vector<MetricRecord> out;
    while (q.step()) {
        MetricRecord m{q.text(0), q.real(1), std::nullopt};
        if (q.integer(2) >= 0) m.step = q.integer(2);
        out.push_back(std::move(m));
    }
    return out;
}

std::map<std::string, double> RunReader::runMetrics() {
    SqliteStatement q(db_, "SELECT key, value FROM metrics WHERE run_id = ? AND step = -1");
    q.bind(1, run_.id);
    std::map<std::string, double> out;
    while (q.step()) out[q.text(0)] = q.real(1);
    return out;
}

}  // namespace moe::store
