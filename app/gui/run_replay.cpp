// See run_replay.h. Prediction records are per (predictor, horizon, layer, step); they are
// averaged over layers here as they stream in, which is what the live error view shows too.
#include "app/gui/run_replay.h"

#include <algorithm>
#include <iterator>

#include "core/balance/placement.h"
#include "core/common/error.h"
#include "core/store/experiment_store.h"
#include "core/store/run_reader.h"

namespace moe::gui {

RunReplay::RunReplay(const std::string& dbPath, int64_t runId)
    : store_(std::make_unique<store::ExperimentStore>(dbPath)) {
    run_ = store_->run(runId);
    store::RunReader reader(store_->connection(), run_);
    steps_ = reader.stepNumbers();

    // (predictor, horizon) -> step -> (sum, count)
    std::map<std::pair<std::string, int>, std::map<int64_t, std::pair<double, int>>> sums;
    reader.forEachPrediction([&](const store::PredictionRecord& p) {
        auto& cell = sums[{p.predictor, p.horizon}][p.step];
        cell.first += p.relativeError;
        ++cell.second;
    });
    for (const auto& [key, bySteps] : sums) {
        ErrorSeries s;
        s.predictor = key.first;
        s.horizon = key.second;
        for (const auto& [step, sc] : bySteps) {
            s.steps.push_back(step);
            s.relative.push_back(sc.first / sc.second);
        }
        errors_.push_back(std::move(s));
    }
    reader.forEachDecision(
        [&](const store::DecisionRecord& d) { decisions_[d.step].push_back(d); });
}

RunReplay::~RunReplay() = default;

std::vector<StepTelemetry> RunReplay::window(int64_t from, int64_t to) {
    std::vector<StepTelemetry> out;
    store::RunReader reader(store_->connection(), run_);
    reader.forEachStep([&](const StepTelemetry& t) { out.push_back(t); }, from, to);
    return out;
}

namespace {
// L x G x E replica counts of one rebalance's per-layer decisions.
std::vector<int> countsOf(const std::vector<store::DecisionRecord>& decisions,
                          const store::RunRecord& run) {
    const int L = run.layers, G = run.ranks, E = run.experts;
    std::vector<int> counts(static_cast<size_t>(L) * G * E, 0);
    for (const store::DecisionRecord& d : decisions) {
        if (d.layer < 0 || d.layer >= L || static_cast<int>(d.replicas.size()) != E)
            throw Error("run " + std::to_string(run.id) + ": the decision for layer " +
                        std::to_string(d.layer) + " at step " + std::to_string(d.step) +
                        " does not match the run's shape");
        size_t slot = 0;
        for (int e = 0; e < E; ++e)
            for (int r = 0; r < d.replicas[e] && slot < d.slotRanks.size(); ++r, ++slot) {
                const int rank = d.slotRanks[slot];
                if (rank >= 0 && rank < G)
                    ++counts[(static_cast<size_t>(d.layer) * G + rank) * E + e];
            }
    }
    return counts;
}
}  // namespace

PlacementAt RunReplay::placementAt(int64_t step) const {
    PlacementAt p;
    auto it = decisions_.upper_bound(step);
    if (it == decisions_.begin()) return p;
    --it;
    const int L = run_.layers, G = run_.ranks, E = run_.experts;
    p.known = true;
    p.decidedAt = it->first;
    p.counts = countsOf(it->second, run_);
    p.changed.assign(static_cast<size_t>(L) * E, 0);
    {
        // An expert changed when its replicas per rank differ from the previous decision's;
        // before the first, the engine ran the contiguous placement.
        std::vector<int> before;
        if (it != decisions_.begin()) {
            before = countsOf(std::prev(it)->second, run_);
        } else {
            const Placement start = Placement::contiguous(L, E, G);
            before.assign(static_cast<size_t>(L) * G * E, 0);
            for (int l = 0; l < L; ++l)
                for (int e = 0; e < E; ++e)
                    for (int r : start.replicas(l, e))
                        ++before[(static_cast<size_t>(l) * G + r) * E + e];
        }
        for (int l = 0; l < L; ++l)
            for (int g = 0; g < G; ++g)
                for (int e = 0; e < E; ++e) {
                    const size_t i = (static_cast<size_t>(l) * G + g) * E + e;
                    if (before[i] != p.counts[i]) p.changed[static_cast<size_t>(l) * E + e] = 1;
                }
    }
    double b = 0, a = 0;
    for (const store::DecisionRecord& d : it->second) {
        p.policy = d.policy;
        b += d.balancednessBefore;
        a += d.balancednessAfter;
        p.movedExperts += d.movedExperts;
        p.movedBytes += d.movedBytes;
    }
    if (!it->second.empty()) {
        p.balancednessBefore = b / static_cast<double>(it->second.size());
        p.balancednessAfter = a / static_cast<double>(it->second.size());
    }
    return p;
}

}  // namespace moe::gui
