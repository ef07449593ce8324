// See pregate_predictor.h.
#include "core/predict/pregate_predictor.h"

#include "core/common/error.h"

namespace moe {

namespace {
void checkShapeOf(const WorkloadShape& shape) {
    if (shape.hiddenDim <= 0)
        throw Error(
            "pregate needs the router's input hidden states, and this workload has none (use the "
            "live training workload, train:..., or synthetic:...,hidden=D)");
}

FfnTokenOptions withLag(FfnTokenOptions o) {
    o.inputLag = 1;
    return o;
}
}  // namespace

PreGatePredictor::PreGatePredictor(FfnTokenOptions options, const WorkloadShape& shape,
                                   double firstLayerDecay)
    : gate_((checkShapeOf(shape), withLag(options)), shape),
      firstLayer_(shape.hasTokenIds ? FrequencyTokenPredictor::Key::TokenId
                                    : FrequencyTokenPredictor::Key::None,
                  shape, firstLayerDecay) {}

std::string PreGatePredictor::parameters() const {
    const std::string first = firstLayer_.parameters();
    return gate_.parameters() + (first.empty() ? "" : "," + first);
}

void PreGatePredictor::checkShape(const WorkloadShape& shape) const { checkShapeOf(shape); }

void PreGatePredictor::predict(const Step& step, int layer, int32_t* ids) {
    if (layer == 0) return firstLayer_.predict(step, layer, ids);
    gate_.predict(step, layer, ids);
}

void PreGatePredictor::predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                                   double* load) {
    if (layer == 0) return firstLayer_.predictLoad(step, layer, shape, load);
    gate_.predictLoad(step, layer, shape, load);
}

void PreGatePredictor::observe(const Step& step) {
    gate_.observe(step);
    firstLayer_.observe(step);
}

}  // namespace moe
