// See train_workload.h. The Step's spans view the trainer's routing snapshot, valid until the
// next call, as the Workload contract says.
#include "core/train/train_workload.h"

namespace moe::train {

TrainWorkload::TrainWorkload(const TrainSpec& spec)
    : spec_(spec), trainer_(std::make_unique<Trainer>(spec.options)) {
    spec_.options.model = trainer_->options().model;  // a resumed checkpoint's sizes win
    const LmConfig& m = spec_.options.model;
    shape_.layers = m.blocks;
    shape_.experts = m.experts;
    shape_.topK = m.topK;
    shape_.hasWeights = true;
    shape_.hasSequenceIds = true;
    shape_.hasPositions = true;
    shape_.hasTokenIds = true;
    shape_.hiddenDim = m.width;
    shape_.hasModelInput = true;
}

bool TrainWorkload::next(Step& step) {
    if (spec_.steps > 0 && taken_ >= spec_.steps) return false;
    trainer_->step();
    const StepRouting& r = trainer_->routing();
    step.index = taken_++;
    step.tokens = r.tokens;
    step.experts = r.experts;
    step.weights = r.weights;
    step.sequenceIds = r.sequenceIds;
    step.positions = r.positions;
    step.tokenIds = r.tokenIds;
    step.hidden = r.hidden;
    step.modelInput = r.modelInput;
    return true;
}

}  // namespace moe::train
