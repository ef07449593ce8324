// Row loops for rms_norm.h. With r = 1/rms: dx_i = r g_i dy_i - x_i r^3 / d * sum_j g_j dy_j x_j.
#include "core/train/rms_norm.h"

#include <cmath>
#include <cstddef>

namespace moe::train {

template <typename T>
void rmsNormForward(const T* x, int n, int d, const T* gain, T* y, T* invRms) {
    for (int r = 0; r < n; ++r) {
        const T* xr = x + static_cast<size_t>(r) * d;
        T* yr = y + static_cast<size_t>(r) * d;
        T ss = 0;
        for (int i = 0; i < d; ++i) ss += xr[i] * xr[i];
        const T inv = T(1) / std::sqrt(ss / d + static_cast<T>(kRmsEps));
        invRms[r] = inv;
        for (int i = 0; i < d; ++i) yr[i] = xr[i] * inv * gain[i];
    }
}

template <typename T>
void rmsNormBackward(const T* x, int n, int d, const T* gain, const T* invRms, const T* dy, T* dx,
                     T* dgain) {
    for (int r = 0; r < n; ++r) {
        const T* xr = x + static_cast<size_t>(r) * d;
        const T* dyr = dy + static_cast<size_t>(r) * d;
        T* dxr = dx + static_cast<size_t>(r) * d;
        const T inv = invRms[r];
        T dot = 0;
        for (int i = 0; i < d; ++i) {
            dot += gain[i] * dyr[i] * xr[i];
            dgain[i] += dyr[i] * xr[i] * inv;
        }
        const T c = inv * inv * inv * dot / d;
        for (int i = 0; i < d; ++i) dxr[i] = inv * gain[i] * dyr[i] - xr[i] * c;
    }
}

template void rmsNormForward<float>(const float*, int, int, const float*, float*, float*);
template void rmsNormForward<double>(const double*, int, int, const double*, double*, double*);
template void rmsNormBackward<float>(const float*, int, int, const float*, const float*,
                                     const float*, float*, float*);
template void rmsNormBackward<double>(const double*, int, int, const double*, const double*,
                                      const double*, double*, double*);

}  // namespace moe::train
