// The routing and expert math of the MoE layer, written once for any scalar type: the CPU
// backend runs it in float for inference, and the training layer (moe_train_layer.h) runs the
// very same code in float to train and in double for the finite-difference gradient checks.
// Keeping one definition is what makes the trained layer "the core's layer", not a copy.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/model/layer_config.h"

namespace moe::kernels {

// Router scores of one row of gate logits, in place: softmax or element-wise sigmoid.
template <typename T>
void scoreRow(T* row, int E, ScoreFunction f) {
    if (f == ScoreFunction::Softmax) {
        const T mx = *std::max_element(row, row + E);
        T sum = 0;
        for (int e = 0; e < E; ++e) {
            row[e] = std::exp(row[e] - mx);
            sum += row[e];
        }
        const T inv = T(1) / sum;
        for (int e = 0; e < E; ++e) row[e] *= inv;
    } else {
        for (int e = 0; e < E; ++e) row[e] = T(1) / (T(1) + std::exp(-row[e]));
    }
}

// k best of one row: highest score first, equal scores ordered by lower expert id.
template <typename T>
void selectTopK(const T* scores, int E, int k, int32_t* ids) {
    for (int j = 0; j < k; ++j) {
        int best = -1;
        for (int e = 0; e < E; ++e) {
            bool taken = false;
            for (int i = 0; i < j; ++i) taken |= (ids[i] == e);
            if (taken) continue;
            if (best < 0 || scores[e] > scores[best]) best = e;  // strict >: lowest id wins ties
        }
        ids[j] = best;
    }
}

// Combine weights of the chosen experts: their scores, renormalised to sum 1 when asked.
template <typename T, typename W>
void combineWeights(const T* scores, const int32_t* ids, int k, bool renormalize, W* w) {
    W sum = 0;
    for (int j = 0; j < k; ++j) sum += (w[j] = static_cast<W>(scores[ids[j]]));
    if (renormalize && sum > 0)
        for (int j = 0; j < k; ++j) w[j] /= sum;
}

}  // namespace moe::kernels
