// See pregate_predictor.h.
#include "core/predict/pregate_predictor.h"

#include <algorithm>
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

// The i-th network's options: its own seed, so the ensemble's errors differ.
FfnTokenOptions member(FfnTokenOptions o, int i) {
    o.seed += 7919ULL * static_cast<uint64_t>(i);
    return o;
}

// The token-context table: keyed on the token id and up to firstN - 1 ids before it where the
// workload says which tokens came before (sequences and positions), on the id alone where it has
// ids only, on nothing (the layer's frequencies) without ids.
FrequencyTokenPredictor contextTable(const WorkloadShape& shape, const PreGateOptions& t) {
    using Key = FrequencyTokenPredictor::Key;
    t.validate();
    if (!shape.hasTokenIds) return FrequencyTokenPredictor(Key::None, shape, t.decay);
    const bool context = shape.hasPositions && shape.hasSequenceIds;
    return FrequencyTokenPredictor(Key::TokenId, shape, t.decay, context ? t.firstN - 1 : 0);
}
}  // namespace

void PreGateOptions::validate() const {
    const int most = FrequencyTokenPredictor::kMaxContext + 1;
    if (firstN < 1 || firstN > most)
        throw Error("pregate: first_n must be 1 to " + std::to_string(most) + ", got " +
                    std::to_string(firstN));
    if (!(blend >= 0 && blend <= 1))
        throw Error("pregate: blend must be in [0, 1], got " + std::to_string(blend));
    if (!(firstBlend >= 0 && firstBlend <= 1))
        throw Error("pregate: first_blend must be in [0, 1], got " + std::to_string(firstBlend));
    if (nets < 1 || nets > kMaxNets)
        throw Error("pregate: nets must be 1 to " + std::to_string(kMaxNets) + ", got " +
                    std::to_string(nets));
    if (!(correct >= 0 && correct <= 1))
        throw Error("pregate: correct must be in [0, 1], got " + std::to_string(correct));
    if (firstInputs < 0 || firstInputs > ModelInputGate::kMaxInputs)
        throw Error("pregate: first_inputs must be 0 to " +
                    std::to_string(ModelInputGate::kMaxInputs) + ", got " +
                    std::to_string(firstInputs));
}

PreGatePredictor::PreGatePredictor(FfnTokenOptions options, const WorkloadShape& shape,
                                   const PreGateOptions& tables)
    : options_(tables),
      table_((checkShapeOf(shape), contextTable(shape, tables))),
      correction_(shape, tables.correct) {
    for (int i = 0; i < tables.nets; ++i) {
        gates_.push_back(std::make_unique<FfnTokenPredictor>(member(withLag(options), i), shape));
        if (tables.firstInputs > 0 && shape.hasModelInput)
            firsts_.push_back(
                std::make_unique<ModelInputGate>(member(options, i), shape, tables.firstInputs));
    }
}

std::string PreGatePredictor::parameters() const {
    const PreGateOptions defaults;  // only what differs is named
    std::ostringstream out;
    out << gates_[0]->parameters();
    if (options_.firstN != defaults.firstN) out << ",first_n=" << options_.firstN;
    if (options_.decay != defaults.decay) out << ",decay=" << options_.decay;
    if (options_.blend != defaults.blend) out << ",blend=" << options_.blend;
    if (options_.firstInputs != defaults.firstInputs)
        out << ",first_inputs=" << options_.firstInputs;
    if (options_.firstBlend != defaults.firstBlend) out << ",first_blend=" << options_.firstBlend;
    if (options_.nets != defaults.nets) out << ",nets=" << options_.nets;
    if (options_.correct != defaults.correct) out << ",correct=" << options_.correct;
    return out.str();
}

void PreGatePredictor::checkShape(const WorkloadShape& shape) const { checkShapeOf(shape); }

void PreGatePredictor::predict(const Step& step, int layer, int32_t* ids) {
    if (layer > 0) return gates_[0]->predict(step, layer, ids);
    if (!firsts_.empty()) return firsts_[0]->predict(step, ids);
    table_.predict(step, layer, ids);
}

// load = (1 - share) x load + share x the token-context table's loads.
void PreGatePredictor::blendTable(const Step& step, int layer, const WorkloadShape& shape,
                                  double share, double* load) {
    if (share == 0) return;
    blended_.resize(static_cast<size_t>(shape.experts));
    table_.predictLoad(step, layer, shape, blended_.data());
    for (int e = 0; e < shape.experts; ++e) load[e] = (1 - share) * load[e] + share * blended_[e];
}

// The mean of the layer's networks' loads.
void PreGatePredictor::networksLoad(const Step& step, int layer, const WorkloadShape& shape,
                                    double* load) {
    const size_t nets = layer > 0 ? gates_.size() : firsts_.size();
    std::fill(load, load + shape.experts, 0.0);
    one_.resize(static_cast<size_t>(shape.experts));
    for (size_t i = 0; i < nets; ++i) {
        if (layer > 0)
            gates_[i]->predictLoad(step, layer, shape, one_.data());
        else
            firsts_[i]->predictLoad(step, one_.data());
        for (int e = 0; e < shape.experts; ++e) load[e] += one_[e] / static_cast<double>(nets);
    }
}

void PreGatePredictor::predictLoad(const Step& step, int layer, const WorkloadShape& shape,
                                   double* load) {
    if (layer == 0 && firsts_.empty()) {
        table_.predictLoad(step, layer, shape, load);
    } else {
        networksLoad(step, layer, shape, load);
        blendTable(step, layer, shape, layer > 0 ? options_.blend : options_.firstBlend, load);
    }
    correction_.correct(step, layer, load);
}

void PreGatePredictor::observe(const Step& step) {
    correction_.observe(step);
    for (auto& g : gates_) g->observe(step);
    table_.observe(step);
    for (auto& g : firsts_) g->observe(step);
}

}  // namespace moe
