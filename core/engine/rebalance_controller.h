// Closes the loop of issue 5 on the running engine: a predictor watches every step's loads,
// a schedule says when to rebalance, a policy turns the forecast into a placement, and the
// engine switches to it for the next step, so replicated experts' tokens are split for real.
// Policies that place by layer-to-layer traffic (MoETuner) also get the transitions counted
// from the per-token routing of the steps since the last rebalance.
// It also keeps, per layer, the measured slowest-rank busy time next to the performance
// model's figure for the same rows, for the model's calibration error.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/balance/policy.h"
#include "core/balance/policy_util.h"
#include "core/balance/rebalance_schedule.h"
#include "core/balance/transition_counts.h"
#include "core/engine/busy_time_fit.h"
#include "core/engine/load_forecaster.h"
#include "core/engine/placement_target.h"
#include "core/engine/telemetry.h"
#include "core/predict/predictor.h"

namespace moe {

struct RebalanceOptions {
    std::string policy = "eplb";       // policy spec (core/balance/policy_factory.h)
    std::string predictor = "sw_avg";  // load predictor spec (core/predict/predictor_factory.h)
    int slots = 0;                     // expert slots per layer over all ranks (0 = E)
    int64_t every = 100;               // rebalance check every N steps
    double threshold = 0;  // ... only when predicted balancedness is under this (0 = always)
    int horizon = 100;     // forecast steps averaged into the policy's input
    int maxMoves = -1;     // experts moved per layer per rebalance (-1 = any)
    // Relabel each plan's ranks to keep the most replicas in place (core/balance/
    // migration_relabel.h): equal balance, fewer bytes copied.
    bool migrationAware = false;
    // MoE-GPS's budget: experts keep a contiguous base slot, only spare slots (slots per rank
    // beyond the base) take the policy's replicas (spare_slots.h).
    bool spareSlotsOnly = false;
    double flopRate = 0;  // per-rank FLOP/s for the model's FFN figure (0 = measure)
};

struct RebalanceEvent {
    int64_t step = 0;
    double balancednessBefore = 0, balancednessAfter = 0;  // predicted, mean over layers
    int movedExperts = 0;                                  // over all layers
    size_t movedBytes = 0;                                 // over all layers
    std::string notes;
    // Per layer, the same figures (predicted balancedness under the same forecast): what the
    // store's decision rows hold, one per layer. Means and sums of these are the fields above.
    std::vector<LayerChange> layers;
};

class RebalanceController {
public:
    // `target` (the engine, or a replay's placement) must outlive the controller. A shared
    // `forecaster` (made from options.predictor) lets several controllers use one predictor;
    // without one the controller makes its own.
    RebalanceController(const RebalanceOptions& options, const WorkloadShape& shape,
                        PlacementTarget& target,
                        std::shared_ptr<LoadForecaster> forecaster = nullptr);
    ~RebalanceController();

    // After each step: feeds the predictor and, when due, installs a new placement in the
    // engine. Returns true when it rebalanced.
    bool afterStep(const StepTelemetry& t);

    // Changes the schedule, horizon and move budget from the next step on (a running
    // experiment's parameter change). Throws moe::Error on a value out of range.
    void retune(int64_t every, double threshold, int horizon, int maxMoves);
    const RebalanceOptions& options() const { return options_; }

    const std::vector<RebalanceEvent>& events() const { return events_; }
    // Per layer over the run: measured slowest-rank busy seconds and the model's figure for
    // the slowest rank's rows at the FLOP rate.
    const std::vector<double>& measuredSlowest() const { return measured_; }
    const std::vector<double>& modelledSlowest() const { return modelled_; }
    double flopRate() const { return flopRate_; }
    // The model fitted to this run's measured busy times (FLOP rate and cost per expert call)
    // and, per layer over the run, its figure for the slowest rank's rows and calls.
    BusyTimeFit::Result fittedModel() const { return fit_.fit(); }
    std::vector<double> fittedSlowest() const;
    // The fitted model's figure for the last step's slowest ranks (summed over layers), fitted
    // on every step so far: the live view draws it beside the measured time. NaN until the fit
    // has enough varied samples, and in a replay (nothing measured to fit).
    double fittedLastStep() const;
    // The driving predictor's forecasts so far and their wall time (the what-if's cost column).
    int64_t forecasts() const { return forecaster_->forecasts(); }
    double forecastSeconds() const { return forecaster_->forecastSeconds(); }
    const LoadForecaster& forecaster() const { return *forecaster_; }
    std::string describe() const;

private:
    RebalanceOptions options_;
    WorkloadShape shape_;
    PlacementTarget& engine_;
    std::shared_ptr<LoadForecaster> forecaster_;
    std::unique_ptr<Policy> policy_;
    RebalanceSchedule schedule_;
    std::vector<RebalanceEvent> events_;
    std::vector<double> measured_, modelled_;
    BusyTimeFit fit_;
    std::vector<double> slowestFlops_, slowestCalls_;  // per layer, summed over steps
    double stepFlops_ = 0, stepCalls_ = 0;             // the last step's, over layers
    void addFitSamples(const StepTelemetry& t, const MoeLayerConfig& lc);
    double flopRate_ = 0;
    // Only when policy_->needsTransitions(): layer-to-layer token counts of the steps seen
    // since the last rebalance (the engine's step observer feeds them), and how many steps.
    bool countTransitions_ = false;
    TransitionCounts transitions_;
    int64_t transitionSteps_ = 0;
};

// Bytes of one expert's weights (gate, up and down projections, float32).
size_t expertBytesOf(const MoeLayerConfig& layer);

// What every rebalance asks of a policy, in one place (the live controller and the what-if's
// oracle plan alike): `load` is L x E in expected pairs per step, `pairsPerLayer` the pairs a
// layer holds, `transitions` MoETuner's layer-to-layer counts per step (or null).
PolicyResult planPlacement(Policy& policy, const std::vector<double>& load,
                           const Placement& current, const RebalanceOptions& options,
                           const MoeLayerConfig& layer, double pairsPerLayer,
                           const std::vector<double>* transitions);

// Single-thread FLOP rate of the SwiGLU expert product at these dimensions on this machine
// (what one in-process rank with one thread achieves), measured in about 0.2 s.
double measureExpertFlopRate(int hidden, int ffn, int rows);

}  // namespace moe
