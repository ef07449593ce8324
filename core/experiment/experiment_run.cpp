// See experiment.h: the step loop, what each step publishes, parameter changes and the
// settling of the stored run. Apart from experiment.cpp (the set-up) to keep each file to one job.
#include <charconv>
#include <cmath>

#include "core/common/error.h"
#include "core/engine/broadcast_workload.h"
#include "core/engine/run_summary.h"
#include "core/experiment/experiment.h"
#include "core/experiment/experiment_impl.h"
#include "core/store/placement_record.h"
#include "core/store/run_recorder.h"

namespace moe {

std::vector<int> replicaCountsOf(const Placement& p) {
    const int L = p.layers(), G = p.ranks(), E = p.experts();
    std::vector<int> counts(static_cast<size_t>(L) * G * E, 0);
    for (int l = 0; l < L; ++l)
        for (int e = 0; e < E; ++e)
            for (int r : p.replicas(l, e)) ++counts[(static_cast<size_t>(l) * G + r) * E + e];
    return counts;
}

namespace {

double sum(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
}

template <typename T>
T parseValue(const std::string& name, const std::string& text) {
    T v{};
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc() || ptr != end)
        throw Error(name + ": '" + text.substr(0, 40) + "' is not a number");
    return v;
}

}  // namespace

void Experiment::Impl::applyChanges(int64_t step) {
    for (const auto& [name, value] : commands.awaitTurn()) {
        try {
            if (!rebalancer) throw Error(name + ": this run has no rebalancing policy");
            RebalanceOptions o = rebalancer->options();
            if (name == "rebalance.every")
                o.every = parseValue<int64_t>(name, value);
            else if (name == "rebalance.threshold")
                o.threshold = parseValue<double>(name, value);
            else if (name == "rebalance.horizon")
                o.horizon = parseValue<int>(name, value);
            else if (name == "rebalance.max_moves")
                o.maxMoves = parseValue<int>(name, value);
            else
                throw Error("'" + name + "' cannot change while a run goes (known: " +
                            "rebalance.every, rebalance.threshold, rebalance.horizon, "
                            "rebalance.max_moves)");
            rebalancer->retune(o.every, o.threshold, o.horizon, o.maxMoves);
            // The stored config is the one the run started with; the change is recorded.
            if (recorder)
                recorder->record(store::MetricRecord{"set " + name, std::stod(value), step});
        } catch (const std::exception& e) {
            notice(std::string("Parameter not changed: ") + e.what());
        }
    }
}

void Experiment::Impl::rebalance(const StepTelemetry& t, ExperimentFrame& f) {
    const bool rebalanced = rebalancer->afterStep(t);
    const double measured = sum(rebalancer->measuredSlowest());
    const double modelled = sum(rebalancer->modelledSlowest());
    f.measuredSlowest = measured - measuredSum;
    f.modelledSlowest = modelled - modelledSum;
    f.fittedSlowest = rebalancer->fittedLastStep();
    measuredSum = measured;
    modelledSum = modelled;
    if (!rebalanced) return;
    const Placement& now = target().placement();
    const RebalanceEvent& ev = rebalancer->events().back();
    f.rebalanced = true;
    f.event = {ev.step, ev.balancednessBefore, ev.balancednessAfter, ev.movedExperts,
               ev.movedBytes};
    f.experts = now.experts();
    f.replicaCounts = replicaCountsOf(now);
    f.changed.assign(static_cast<size_t>(now.layers()) * now.experts(), 0);
    for (int l = 0; l < now.layers(); ++l)
        for (int e = 0; e < now.experts(); ++e)
            if (now.replicas(l, e) != previous.replicas(l, e))
                f.changed[static_cast<size_t>(l) * now.experts() + e] = 1;
    previous = now;
    if (recorder)
        for (int l = 0; l < now.layers(); ++l)
            recorder->record(
                store::decisionRecord(now, l, ev.step, config.rebalance.policy, ev.layers[l]));
}

namespace {
// Mean over layers of mean/max rows per rank: the balancedness the views show.
double meanBalancedness(const StepTelemetry& t) {
    if (t.layers == 0 || t.ranks == 0) return NAN;
    std::vector<double> rows(static_cast<size_t>(t.ranks));
    double sum = 0;
    for (int l = 0; l < t.layers; ++l) {
        for (int r = 0; r < t.ranks; ++r) rows[r] = static_cast<double>(t.rankRowsAt(l, r));
        sum += balancedness(rows);
    }
    return sum / t.layers;
}
}  // namespace

void Experiment::Impl::scoreBounds(const Step& step, const StepTelemetry& t, ExperimentFrame& f) {
    f.balancedness = meanBalancedness(t);
    contiguousBound->step(step, t.loads);
    f.contiguousBalancedness = meanBalancedness(contiguousBound->lastStep());
    if (!oracleBound) return;
    oracleBound->step(step, t.loads);
    f.oracleBalancedness = meanBalancedness(oracleBound->lastStep());
}

void Experiment::Impl::onStep(const Step& step, const StepTelemetry& t, const FrameSink& sink) {
    summary.add(t);
    if (recorder) recorder->record(t);
    if (csv) csv->write(t.step, t.loads);
    ExperimentFrame f;
    f.telemetry = t;
    if (tracker) tracker->push(step, t.loads, f);
    if (contiguousBound) scoreBounds(step, t, f);
    if (rebalancer) rebalance(t, f);
    if (sink) sink(f);
}

int64_t Experiment::Impl::loop(const FrameSink& sink) {
    Step step;
    StepTelemetry t;
    LoadMatrix loads(shape.layers, shape.experts);
    const int64_t limit = config.workload.steps;
    int64_t done = 0;
    auto* broadcast = dynamic_cast<BroadcastWorkload*>(workload.get());
    if (!root()) {  // follow rank 0 step for step until it says the run ended
        while (workload->next(step)) engine->runStep(step, t);
        return 0;
    }
    while (limit <= 0 || done < limit) {
        applyChanges(done);
        if (commands.stopRequested() || !workload->next(step)) break;
        if (engine) {
            engine->runStep(step, t);
        } else {
            loads.clear();
            loads.accumulate(step, shape.topK);
            replay->replay(step, loads, t);
        }
        ++done;
        onStep(step, t, sink);
    }
    if (broadcast) broadcast->finish();
    if (csv) csv->close();
    return done;
}

namespace {
// What a strategy map needs from each compared predictor beyond its load errors (which the
// predictions table holds): its cost per forecast and layer and, for token-level ones, its
// accuracy. Keys name the predictor as compared.
void recordPredictorScores(const PredictionTracker& tracker, store::RunRecorder& recorder) {
    for (const PredictorScoreRow& row : tracker.scores()) {
        if (row.horizon != 1) continue;
        recorder.record(
            store::MetricRecord{"predictor_us_per_layer:" + row.name, row.microsPerForecast, {}});
        if (!row.tokenLevel) continue;
        recorder.record(store::MetricRecord{"predictor_accuracy:" + row.name, row.accuracy, {}});
        recorder.record(
            store::MetricRecord{"predictor_topk_overlap:" + row.name, row.topKOverlap, {}});
    }
}
}  // namespace

void Experiment::Impl::settleRecording(const std::string* failure) {
    if (!recorder) return;
    if (failure) {
        try {
            recorder->finish(store::RunStatus::Failed, *failure);
        } catch (...) {
            // The recorder's own failure (disk full); the run's error is what the caller sees.
        }
        return;
    }
    if (rebalancer) {  // what comparison tables show for stored runs: model against measurement
        recorder->record(store::MetricRecord{
            "modelled_slowest_seconds", sum(rebalancer->modelledSlowest()), {}});
        recorder->record(store::MetricRecord{
            "measured_slowest_seconds", sum(rebalancer->measuredSlowest()), {}});
    }
    if (tracker) recordPredictorScores(*tracker, *recorder);
    const bool stopped = commands.stopRequested();
    recorder->finish(
        stopped ? store::RunStatus::Interrupted : store::RunStatus::Finished,
        stopped ? "stopped by the user after " + std::to_string(summary.steps()) + " steps" : "");
}

int64_t Experiment::run(const FrameSink& sink) {
    Impl& m = *impl_;
    if (!m.opened) open();
    int64_t done = 0;
    try {
        done = m.loop(sink);
    } catch (const std::exception& e) {
        const std::string message = e.what();
        m.settleRecording(&message);
        throw;
    }
    m.settleRecording(nullptr);
    return done;
}

}  // namespace moe
