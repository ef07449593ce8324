// See pregate_predictor.h.
#include "core/predict/pregate_predictor.h"

#include <sstream>
#include <vector>

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

// The token-context table: keyed on the token id and up to firstN - 1 ids before it where the
// workload says which tokens came before (sequences and positions), on the id alone where it has
// ids only, on nothing (the layer's frequencies) without ids.
FrequencyTokenPredictor contextTable(const WorkloadShape& shape, const PreGateTables& t) {
    using Key = FrequencyTokenPredictor::Key;
    t.validate();
    if (!shape.hasTokenIds) return FrequencyTokenPredictor(Key::None, shape, t.decay);
    const bool context = shape.hasPositions && shape.hasSequenceIds;
    return FrequencyTokenPredictor(Key::TokenId, shape, t.decay, context ? t.firstN - 1 : 0);
}
}  // namespace

void PreGateTables::validate() const {
    const int most = FrequencyTokenPredictor::kMaxContext + 1;
    if (firstN < 1 || firstN > most)
        throw Error("pregate: first_n must be 1 to " + std::to_string(most) + ", got " +
                    std::to_string(firstN));
    if (!(blend >= 0 && blend <= 1))
        throw Error("pregate: blend must be in [0, 1], got " + std::to_string(blend));
}

PreGatePredictor::PreGatePredictor(FfnTokenOptions options, const WorkloadShape& shape,
                                   const PreGateTables& tables)
    : gate_((checkShapeOf(shape), withLag(options)), shape),
      options_(tables),
      table_(contextTable(shape, tables)) {}

std::string PreGatePredictor::parameters() const {
    std::ostringstream out;
    out << gate_.parameters();
    if (options_.firstN != 2) out << ",first_n=" << options_.firstN;
    if (options_.decay != 1) out << ",decay=" << options_.decay;
    if (options_.blend != 0) out << ",blend=" << options_.blend;
    return out.str();
}

void PreGatePredictor::checkShape(const WorkloadShape& shape) const { checkShapeOf(shape); }

void PreGatePredictor::predict(const Step& step, int layer, int32_t* ids) {
    if (layer == 0) return table_.predict(step, layer, ids);
    gate_.predict(step, layer, ids);
}

void PreGatePredictor::predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                                   double* load) {
    if (layer == 0) return table_.predictLoad(step, layer, shape, load);
    gate_.predictLoad(step, layer, shape, load);
    if (options_.blend == 0) return;
    blended_.resize(static_cast<size_t>(shape.experts));
    table_.predictLoad(step, layer, shape, blended_.data());
    for (int e = 0; e < shape.experts; ++e)
        load[e] = (1 - options_.blend) * load[e] + options_.blend * blended_[e];
}

void PreGatePredictor::observe(const Step& step) {
    gate_.observe(step);
    table_.observe(step);
}

}  // namespace moe
