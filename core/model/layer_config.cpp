// Validation and parsing for MoeLayerConfig, so every front end rejects the same bad values
// with the same words.
#include "core/model/layer_config.h"

#include <cmath>
#include <limits>

#include "core/common/error.h"

namespace moe {

ScoreFunction parseScoreFunction(const std::string& name) {
    if (name == "softmax") return ScoreFunction::Softmax;
    if (name == "sigmoid") return ScoreFunction::Sigmoid;
    throw Error("unknown score function '" + name + "' (expected softmax or sigmoid)");
}

std::string toString(ScoreFunction f) {
    return f == ScoreFunction::Softmax ? "softmax" : "sigmoid";
}

void MoeLayerConfig::validate() const {
    auto need = [](bool ok, const std::string& what) {
        if (!ok) throw Error("invalid MoE layer: " + what);
    };
    need(hidden > 0, "hidden must be positive, got " + std::to_string(hidden));
    need(ffn > 0, "ffn must be positive, got " + std::to_string(ffn));
    need(experts > 0, "experts must be positive, got " + std::to_string(experts));
    need(topK > 0 && topK <= experts,
         "top-k must be in 1.." + std::to_string(experts) + ", got " + std::to_string(topK));
    need(capacityFactor >= 0 && std::isfinite(capacityFactor),
         "capacity factor must be >= 0 (0 = unlimited)");
}

long long MoeLayerConfig::capacity(long long tokens) const {
    if (capacityFactor <= 0) return std::numeric_limits<long long>::max();
    return static_cast<long long>(
        std::ceil(capacityFactor * static_cast<double>(tokens) * topK / experts));
}

}  // namespace moe
