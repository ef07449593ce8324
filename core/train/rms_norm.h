// RMSNorm (Zhang & Sennrich 2019): y = x / sqrt(mean(x^2) + eps) * gain, per row. Cheaper than
// LayerNorm and what current MoE models (Mixtral, DeepSeek) use before attention and the MoE.
#pragma once

namespace moe::train {

constexpr double kRmsEps = 1e-5;

// Writes y (n x d) and the per-row 1/rms (n) that backward needs.
template <typename T>
void rmsNormForward(const T* x, int n, int d, const T* gain, T* y, T* invRms);

// dx (n x d) is overwritten; dgain (d) is accumulated.
template <typename T>
void rmsNormBackward(const T* x, int n, int d, const T* gain, const T* invRms, const T* dy, T* dx,
                     T* dgain);

}  // namespace moe::train
