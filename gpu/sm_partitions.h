// Emulated ranks on one GPU: its multiprocessors split into G equal groups (CUDA green
// contexts), each with a stream of its own. Work on one group's stream runs only on that
// group's SMs, so an overloaded emulated rank takes real extra time while the others idle, and
// duplication policies can be measured on one GPU rather than only modelled.
#pragma once

#include <memory>
#include <string>

namespace moe::gpu {

class SmPartitions {
public:
    // Throws CudaError when green contexts are unavailable (driver, device) or the SMs cannot
    // be split into `parts` groups (each rounded down to the hardware's alignment).
    SmPartitions(int device, int parts);
    ~SmPartitions();
    SmPartitions(const SmPartitions&) = delete;
    SmPartitions& operator=(const SmPartitions&) = delete;

    int parts() const;
    int smsPerPart() const;
    void* stream(int part) const;  // a cudaStream_t bound to that group's SMs
    std::string describe() const;  // "4 x 32 SMs of 132"

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace moe::gpu
