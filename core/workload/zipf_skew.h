// Zipf-like expert popularity tuned to a target skewness. A synthetic workload is only useful
// when its imbalance is known: we pick the Zipf exponent so that the expected per-layer
// skewness (max/mean of expected expert loads) equals the requested value, taking into account
// that each token draws k distinct experts (which caps any expert at one pick per token).
#pragma once

#include <vector>

namespace moe {

// Weights w[r] = (r + 1)^-exponent for popularity ranks r = 0..experts-1, normalised to sum 1.
std::vector<double> zipfWeights(int experts, double exponent);

// Probability that each expert is among k distinct experts drawn one after another, each draw
// proportional to the weights of the experts not yet drawn (successive sampling). Computed
// exactly up to quadrature error (~1e-9) from the equivalent exponential-race formulation.
double inclusionProbability(const std::vector<double>& weights, int expert, int topK);

// Expected skewness of the loads: max_e P(e drawn) / (k / E).
double expectedSkewness(const std::vector<double>& weights, int topK);

// The largest skewness k distinct draws per token allow: E / k (the k hottest always drawn).
double maxSkewness(int experts, int topK);

// Solves expectedSkewness(zipfWeights(E, a), k) = skew for a by bisection.
// Throws moe::Error unless 1 <= skew <= maxSkewness(E, k).
double zipfExponentForSkew(int experts, int topK, double skew);

}  // namespace moe
