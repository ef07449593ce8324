// Validation and the balancing option's text form (shared by the CLI flag and the spec key).
#include "core/train/lm_config.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "core/common/error.h"

namespace moe::train {

void LmConfig::validate() const {
    auto need = [](bool ok, const std::string& what) {
        if (!ok) throw Error("invalid model: " + what);
    };
    auto positive = [&](int v, const char* name, int most) {
        need(v >= 1 && v <= most, std::string(name) + " must be 1.." + std::to_string(most) +
                                      ", got " + std::to_string(v));
    };
    positive(vocab, "vocab", 1 << 16);
    positive(context, "context", 4096);
    positive(width, "width", 8192);
    positive(blocks, "blocks", 256);
    positive(heads, "heads", width);
    positive(experts, "experts", 1024);
    positive(ffn, "ffn", 65536);
    need(width % heads == 0, "width (" + std::to_string(width) + ") must be divisible by heads (" +
                                 std::to_string(heads) + ")");
    need(topK >= 1 && topK <= experts,
         "top_k must be 1.." + std::to_string(experts) + ", got " + std::to_string(topK));
    moeLayer().validate();
}

MoeLayerConfig LmConfig::moeLayer() const {
    MoeLayerConfig c;
    c.hidden = width;
    c.ffn = ffn;
    c.experts = experts;
    c.topK = topK;
    c.score = score;
    c.renormalize = renormalize;
    c.capacityFactor = capacityFactor;
    return c;
}

BalanceConfig parseBalance(const std::string& text) {
    BalanceConfig b;
    const size_t colon = text.find(':');
    const std::string mode = text.substr(0, colon);
    double value = -1;
    if (colon != std::string::npos) {
        const std::string v = text.substr(colon + 1);
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(value) ||
            value < 0)
            throw Error("balancing '" + text + "': '" + v + "' is not a number >= 0");
    }
    if (mode == "none" && colon == std::string::npos) {
        b.mode = Balancing::None;
    } else if (mode == "switch") {
        b.mode = Balancing::Switch;
        if (value >= 0) b.auxCoef = value;
    } else if (mode == "bias") {
        b.mode = Balancing::Bias;
        if (value >= 0) b.biasRate = value;
    } else {
        throw Error("balancing '" + text +
                    "': expected none, switch[:COEF] (auxiliary loss) or bias[:RATE] "
                    "(aux-loss-free expert bias)");
    }
    return b;
}

std::string toString(const BalanceConfig& b) {
    std::ostringstream s;
    if (b.mode == Balancing::None) return "none";
    if (b.mode == Balancing::Switch)
        s << "switch:" << b.auxCoef;
    else
        s << "bias:" << b.biasRate;
    return s.str();
}

}  // namespace moe::train
