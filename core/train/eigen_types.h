// Row-major Eigen maps over the trainer's plain buffers, for the .cpp files of core/train only:
// public headers stay free of Eigen so tests and front ends need not know it.
#pragma once

#include <Eigen/Core>

namespace moe::train {

template <typename T>
using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using CMap = Eigen::Map<const Mat<T>>;
template <typename T>
using MMap = Eigen::Map<Mat<T>>;
// A block of columns of a row-major buffer (one attention head of a tokens x width matrix).
template <typename T>
using CStrided = Eigen::Map<const Mat<T>, 0, Eigen::OuterStride<>>;
template <typename T>
using MStrided = Eigen::Map<Mat<T>, 0, Eigen::OuterStride<>>;

}  // namespace moe::train
