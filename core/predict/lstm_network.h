// The LSTM of Cong et al. (methods.md 1.3): stacked LSTM layers over the vector of all experts'
// shares of all MoE layers, a linear head and a softmax per MoE layer, so every predicted layer
// sums to 1. Written out by hand (forward and BPTT) so the workbench needs no ML framework;
// templated on the scalar so it trains in float and is gradient-checked in double.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace moe {

struct LstmShape {
    int groups = 1;     // softmax groups: the MoE layers L
    int groupSize = 1;  // classes per group: the experts E
    int hidden = 64;    // units per LSTM layer
    int layers = 1;     // stacked LSTM layers
    int inputs() const { return groups * groupSize; }
};

// Inputs: shares p in [0, 1], L*E per step, layer-major (LoadShares::p). The network feeds
// x = E*p - 1 (the deviation from the uniform share 1/E, in units of 1/E) to its first layer, so
// inputs are O(1) whatever E is and a balanced layer reads as zero.
// Loss: mean over steps and groups of KL(true || predicted), i.e. cross-entropy minus the true
// shares' entropy. Chosen over MSE because its gradient with respect to the logits is simply
// predicted - true, while MSE through a softmax scales gradients by the shares (~1/E) and
// learns slowly; KL rather than raw cross-entropy so a perfect fit reads 0.
template <typename T>
class LstmNetwork {
public:
    // h and c of every LSTM layer, layer-major (layers * hidden each).
    struct State {
        std::vector<T> h, c;
    };
    // A named slice of the flat parameter vector, for tests and diagnostics.
    struct Block {
        std::string name;
        size_t offset = 0, size = 0;
    };

    // Seeded initialisation (same seed, same parameters on every platform): LSTM input weights
    // U(+-1/sqrt(inputs of the layer)), recurrent and head weights U(+-1/sqrt(hidden)), forget
    // gate bias 1 (remember by default), other biases 0. Throws moe::Error on a bad shape.
    LstmNetwork(const LstmShape& shape, uint64_t seed);
    ~LstmNetwork();
    LstmNetwork(LstmNetwork&&) noexcept;
    LstmNetwork& operator=(LstmNetwork&&) noexcept;

    const LstmShape& shape() const { return shape_; }
    size_t parameterCount() const { return params_.size(); }
    std::span<T> parameters() { return params_; }
    std::span<const T> parameters() const { return params_; }
    // d(loss)/d(parameters) of the last lossAndGradient call; same layout as parameters().
    std::span<T> gradients() { return grads_; }
    const std::vector<Block>& blocks() const { return blocks_; }

    // Sets the head bias to log(shares) so that, before training, the network predicts about
    // these shares (the training mean) instead of uniform ones; shares are floored at 1e-6.
    void setOutputBias(std::span<const T> shares);

    State zeroState() const;

    // One window of truncated BPTT. `inputs` and `targets` hold `steps` blocks of inputs()
    // shares (step t's target is normally step t+1's shares). Starts from `state` and leaves in
    // it the state after the last step (carried, not differentiated, into the next window).
    // Overwrites gradients(); returns the loss.
    double lossAndGradient(std::span<const T> inputs, std::span<const T> targets, int steps,
                           State& state);
    // The same loss without the gradient (finite differences, held-out evaluation).
    double loss(std::span<const T> inputs, std::span<const T> targets, int steps, State& state);

    // Inference: advance `state` by one observed step of shares.
    void advance(std::span<const T> shares, State& state) const;
    // The shares predicted for the step after the one that produced `state`.
    void predict(const State& state, std::span<T> shares) const;

private:
    struct Workspace;
    struct LayerParams {
        size_t w = 0, u = 0, b = 0;  // offsets of W (4H x in), U (4H x H), b (4H)
        int in = 0;
    };
    double forward(std::span<const T> inputs, std::span<const T> targets, int steps, State& state);
    void backward(std::span<const T> targets, int steps);
    void backwardLayer(int k, int steps);
    void initialise(uint64_t seed);
    bool fits(const State& s) const {
        const size_t n = static_cast<size_t>(shape_.layers) * shape_.hidden;
        return s.h.size() == n && s.c.size() == n;
    }

    LstmShape shape_;
    std::vector<LayerParams> layers_;
    size_t headW_ = 0, headB_ = 0;  // offsets of the head's W (D x H) and b (D)
    std::vector<T> params_, grads_;
    std::vector<Block> blocks_;
    std::unique_ptr<Workspace> ws_;
};

extern template class LstmNetwork<float>;
extern template class LstmNetwork<double>;

}  // namespace moe
