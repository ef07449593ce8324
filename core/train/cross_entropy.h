// Mean cross-entropy of next-token logits against targets, with its gradient: the training
// loss of the language model, in nats per token (ln 256 = 5.545 for uniform bytes).
#pragma once

#include <cstdint>

namespace moe::train {

// Returns mean_t -log softmax(logits_t)[target_t]. When dlogits is not null it receives
// (softmax - onehot) / n, the gradient of that mean.
template <typename T>
T crossEntropy(const T* logits, int n, int vocab, const int32_t* targets, T* dlogits);

}  // namespace moe::train
