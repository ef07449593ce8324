// Live training as a Workload: every next() is one training iteration of the MoE language
// model, and the Step it yields is that iteration's routing (per layer token->expert ids and
// combine weights) with token ids, positions, sequence ids and the router's input hidden
// states, so loads, predictors (token-to-expert ones included), policies and the store treat
// a training run exactly like a trace.
#pragma once

#include <memory>

#include "core/train/train_spec.h"
#include "core/workload/workload.h"

namespace moe::train {

class TrainWorkload : public Workload {
public:
    // Loads the corpus and builds (or resumes) the model; throws moe::Error on bad settings.
    explicit TrainWorkload(const TrainSpec& spec);

    const WorkloadShape& shape() const override { return shape_; }
    bool next(Step& step) override;
    std::string describe() const override { return "train:" + describeTrainSpec(spec_); }

    Trainer& trainer() { return *trainer_; }
    const TrainSpec& spec() const { return spec_; }

private:
    TrainSpec spec_;
    std::unique_ptr<Trainer> trainer_;
    WorkloadShape shape_;
    int64_t taken_ = 0;
};

}  // namespace moe::train
