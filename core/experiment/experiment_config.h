// Everything that decides what an experiment computes, in one plain struct that every front end
// fills (CLI flags, the GUI's panel, a stored run's JSON) and core/experiment/experiment.h runs.
// Its JSON form is the configuration stored with each run, so any stored run can run again.
// Validation lives here, once: each bad field gives one message naming the field.
// No field may be called `slots`, `signals` or `emit`: the GUI includes this header, and Qt
// defines those words as macros.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/predict/phase_detector.h"

namespace moe {

// Where routing comes from (core/experiment/workload_source.h).
struct ExperimentWorkload {
    std::string spec = "trace:gpt-oss-20b";  // trace:NAME|PATH, synthetic:..., train:...
    std::string batching = "continuous";     // tokens | sequence | continuous
    int tokensPerStep = 4096;                // batching tokens
    int batch = 64;                          // batching continuous: sequences in flight
    int layers = 0, experts = 0, topK = 0;   // shape overrides; 0 = from the source
    int64_t steps = 200;                     // 0 = the whole workload
};

// The MoE layers and the ranks that run them.
struct ExperimentModel {
    // Routing only: no expert FFN runs; loads, predictions and plans are computed from the
    // workload's routing (rank rows follow the placement, no time is measured).
    bool replayOnly = false;
    std::string backend = "cpu";  // cpu | cuda (falls back to the CPU with a note)
    int device = -1;              // CUDA device of every rank; -1 = spread over the devices
    int ranks = 4;                // expert-parallel ranks (the process count under MPI)
    int threads = 0;              // compute threads in all; 0 = all cores
    int hidden = 128, ffn = 352;
    std::string score = "softmax";      // router score function: softmax | sigmoid
    bool renormalize = true;            // renormalise the top-k router weights
    double capacityFactor = 0;          // 0 = unlimited
    bool ownGate = false;               // route by the layer's own gate, not the workload's ids
    bool shareWeights = false;          // one set of expert weights for all layers
    std::vector<std::string> replicas;  // extra replicas LAYER:EXPERT:RANK
};

// The predictors compared side by side (load and token-to-expert families alike).
struct ExperimentPrediction {
    std::vector<std::string> predictors;  // specs (core/predict/predictor_factory.h)
    // Each forecast of the longest horizon is also scored at the shorter ones.
    std::vector<int> horizons = {1};
    int forecastEvery = 1;
    int64_t warmup = 0;
    bool phases = false;  // transient/stable phase detector per layer
    // Detector settings; smooth 0 = automatic (64 for train:, whose raw shares are noisy; else 1).
    PhaseOptions phase{100, 1e-4, 0.05, 100, 0};
};

// Duplication and placement while the run goes.
struct ExperimentRebalance {
    std::string policy = "none";  // policy spec (core/balance/policy_factory.h); none = off
    // The load predictor whose forecast the policy plans for: empty = the first compared load
    // predictor (sw_avg when none is compared); a compared predictor's name or spec; any spec.
    std::string predictor;
    int slotCount = 0;   // expert slots per layer over all ranks; 0 = experts + extraSlots
    int extraSlots = 0;  // slots over one per expert (when slotCount is 0)
    int64_t every = 100;
    double threshold = 0;         // rebalance only under this predicted balancedness; 0 = always
    int horizon = 100;            // forecast steps averaged into the policy's input
    int maxMoves = -1;            // experts moved per layer per rebalance; -1 = any
    bool migrationAware = false;  // relabel each plan's ranks to keep replicas in place
    bool spareSlotsOnly = false;  // keep a contiguous base; replicas only in spare slots
    bool enabled() const { return !policy.empty() && policy != "none"; }
};

// Where the run is written. Only name, notes, tags and commitInterval are part of the JSON:
// the rest says where this particular run's outputs go, not what it computes.
struct ExperimentRecording {
    bool record = true;
    std::string database;  // empty = the default store ($MOE_DB, else the XDG data folder)
    std::string loadsCsv;  // optional per-step loads CSV
    std::string name, notes;
    std::vector<std::string> tags;
    double commitInterval = 1.0;  // seconds between the recorder's commits
};

struct ExperimentConfig {
    std::string frontEnd = "run";  // the command or window that made it: run | predict | gui
    uint64_t seed = 1;
    ExperimentWorkload workload;
    ExperimentModel model;
    ExperimentPrediction prediction;
    ExperimentRebalance rebalance;
    ExperimentRecording recording;
};

// The JSON stored with a run. `facts` (a JSON object's text, may be empty) is what the run
// found out (the workload's shape, the backend used, MPI hosts): stored beside the config
// under "recorded" and ignored when the config is read back.
std::string experimentConfigJson(const ExperimentConfig& config, const std::string& facts = {});
// Reads a config from JSON text (a stored run's or a file's; `origin` names it in errors).
// Missing fields keep their defaults. Throws moe::Error naming each wrong field or type, or
// an unknown field.
ExperimentConfig parseExperimentConfig(const std::string& json, const std::string& origin);

// The config of a stored run, or of a file holding one: the config itself, or `runs show
// --format json`'s object with the config under "config". A run recorded before configs were
// re-runnable gets a message saying so. Throws moe::Error naming `origin`.
ExperimentConfig storedExperimentConfig(const std::string& json, const std::string& origin);

// Every problem of the config, one line per bad field ("rebalance.slots: must be ..."). Checks
// ranges, names, and that predictor and policy specs parse. Empty = valid.
std::vector<std::string> validateExperimentConfig(const ExperimentConfig& config);
// The load predictor spec that drives rebalancing (see ExperimentRebalance::predictor).
// Throws moe::Error when it is no load predictor, or the oracle.
std::string rebalancePredictorSpec(const ExperimentConfig& config);
// Throws moe::Error listing every problem when the config is not valid.
void checkExperimentConfig(const ExperimentConfig& config);

}  // namespace moe
