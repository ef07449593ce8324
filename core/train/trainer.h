// One training run of the MoE language model on a text corpus: samples batches from the
// scheduled sections, runs forward, backward, AdamW and the router balancing, measures the
// held-out loss, and keeps the step's routing (per layer token->expert ids, combine weights,
// router inputs, token ids, positions) for the training workload to hand on as a Step.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/train/adamw.h"
#include "core/train/lm_model.h"
#include "core/train/section_schedule.h"
#include "core/train/text_corpus.h"

namespace moe::train {

struct TrainOptions {
    std::string corpus = "python-docs";
    std::string sections = "tutorial+howto+reference+faq";
    LmConfig model;
    BalanceConfig balance;
    AdamWOptions optimizer;
    int batch = 16;                   // sequences per step (tokens = batch * context)
    int evalEvery = 50;               // held-out loss every N steps (0 = never)
    int evalWindows = 32;             // held-out sequences per evaluation
    double validationFraction = 0.1;  // tail of each section kept for validation
    uint64_t seed = 1;
    // Threads of the products. One by default: the step's many small products lose more to
    // thread hand-offs than they gain on a loaded 2-core machine (3600 vs 410 tokens/s measured
    // there), and it leaves a core to the engine and the GUI. 0 = the OpenMP default.
    int threads = 1;
    std::string resume;  // checkpoint to continue from (its model sizes win)
    void validate() const;
};

// The routing and inputs of one training step, layer-major like Step.
struct StepRouting {
    int tokens = 0;
    std::vector<int32_t> experts;   // layers x tokens x k
    std::vector<float> weights;     // layers x tokens x k
    std::vector<float> hidden;      // layers x tokens x width (router inputs)
    std::vector<float> modelInput;  // tokens x width: embeddings, the first block's input
    std::vector<int32_t> tokenIds, positions, sequenceIds;  // tokens each
    std::vector<int64_t> counts;                            // layers x experts
};

struct StepReport {
    int64_t step = 0;  // index of the step just taken
    int tokens = 0;
    LossParts loss;
    double lr = 0, gradNorm = 0, seconds = 0;
    int phase = 0;                  // index into the schedule's phases
    std::optional<double> valLoss;  // after this step, when an evaluation was due
};

class Trainer {
public:
    explicit Trainer(const TrainOptions& options);

    // One iteration; throws moe::Error on bad data or a non-finite loss.
    const StepReport& step();
    // Mean cross-entropy (nats/token) on the held-out windows of the phase of `step`.
    double evaluate(int64_t step);
    void save(const std::string& path) const;

    int64_t nextStep() const { return step_; }
    const StepRouting& routing() const { return routing_; }
    const StepReport& lastReport() const { return report_; }
    const TrainOptions& options() const { return options_; }
    const SectionSchedule& schedule() const { return schedule_; }
    LmModel<float>& model() { return *model_; }

private:
    void loadCorpus();
    void sampleBatch(int phase);
    void snapshotRouting();
    void updateBias();
    uint64_t nextRandom();

    TrainOptions options_;
    SectionSchedule schedule_;
    TextCorpus corpus_;
    std::unique_ptr<LmModel<float>> model_;
    std::unique_ptr<AdamW> optimizer_;
    int64_t step_ = 0;
    uint64_t rng_ = 0;
    std::vector<int32_t> inputs_, targets_;
    std::vector<std::vector<int32_t>> valInputs_, valTargets_;  // per phase, windows x seq
    StepRouting routing_;
    StepReport report_;
};

}  // namespace moe::train
