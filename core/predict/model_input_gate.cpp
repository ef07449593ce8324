// See model_input_gate.h.
#include "core/predict/model_input_gate.h"

#include <algorithm>

#include "core/common/error.h"

namespace moe {

namespace {
WorkloadShape netShapeOf(const WorkloadShape& shape, int inputs) {
    if (inputs < 1 || inputs > ModelInputGate::kMaxInputs)
        throw Error("pregate: first_inputs must be 1 to " +
                    std::to_string(ModelInputGate::kMaxInputs) + ", got " + std::to_string(inputs));
    if (!shape.hasModelInput || shape.hiddenDim <= 0)
        throw Error("pregate: this workload carries no model input for layer 0's network");
    WorkloadShape s;
    s.layers = 1;
    s.experts = shape.experts;
    s.topK = shape.topK;
    s.hiddenDim = shape.hiddenDim * inputs;
    return s;
}

FfnTokenOptions ownInput(FfnTokenOptions o) {
    o.inputLag = 0;  // its "router input" is built here from the model inputs
    o.routingFeatures = false;
    return o;
}
}  // namespace

ModelInputGate::ModelInputGate(FfnTokenOptions options, const WorkloadShape& shape, int inputs)
    : netShape_(netShapeOf(shape, inputs)),
      inputs_(shape.hasPositions && shape.hasSequenceIds ? inputs : 1),
      width_(shape.hiddenDim),
      net_(ownInput(options), netShape_) {}

const Step& ModelInputGate::inputStep(const Step& step, bool routed) {
    const int T = step.tokens, D = width_, W = netShape_.hiddenDim;
    input_.assign(static_cast<size_t>(T) * W, 0.0f);
    const bool carried = step.modelInput.size() >= static_cast<size_t>(T) * D;
    for (int t = 0; t < T && carried; ++t)
        for (int back = 0; back < inputs_; ++back) {
            const int u = back == 0 ? t : earlierTokenIndex(step, t, back);
            if (u < 0) continue;
            const float* from = step.modelInput.data() + static_cast<size_t>(u) * D;
            std::copy(from, from + D, input_.data() + static_cast<size_t>(t) * W + back * D);
        }
    built_ = Step{};
    built_.index = step.index;
    built_.tokens = T;
    if (routed) built_.experts = step.experts.first(static_cast<size_t>(T) * netShape_.topK);
    built_.hidden = input_;
    return built_;
}

void ModelInputGate::predict(const Step& step, int32_t* ids) {
    net_.predict(inputStep(step, false), 0, ids);
}

void ModelInputGate::predictLoad(const Step& step, double* load) {
    net_.predictLoad(inputStep(step, false), 0, netShape_, load);
}

void ModelInputGate::observe(const Step& step) {
    if (step.modelInput.empty()) return;
    net_.observe(inputStep(step, true));
}

}  // namespace moe
