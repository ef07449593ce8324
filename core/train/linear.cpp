// Eigen products for linear.h; explicit instantiations for float (training) and double (checks).
#include "core/train/linear.h"

#include "core/train/eigen_types.h"

namespace moe::train {

template <typename T>
void linearForward(const T* x, int n, int in, const T* w, int out, T* y) {
    MMap<T>(y, n, out).noalias() = CMap<T>(x, n, in) * CMap<T>(w, in, out);
}

template <typename T>
void linearBackward(const T* x, int n, int in, const T* w, int out, const T* dy, T* dx, T* dw,
                    bool accumulate) {
    const CMap<T> dY(dy, n, out);
    MMap<T>(dw, in, out).noalias() += CMap<T>(x, n, in).transpose() * dY;
    if (!dx) return;
    MMap<T> dX(dx, n, in);
    if (accumulate)
        dX.noalias() += dY * CMap<T>(w, in, out).transpose();
    else
        dX.noalias() = dY * CMap<T>(w, in, out).transpose();
}

template void linearForward<float>(const float*, int, int, const float*, int, float*);
template void linearForward<double>(const double*, int, int, const double*, int, double*);
template void linearBackward<float>(const float*, int, int, const float*, int, const float*, float*,
                                    float*, bool);
template void linearBackward<double>(const double*, int, int, const double*, int, const double*,
                                     double*, double*, bool);

}  // namespace moe::train
