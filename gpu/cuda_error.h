// The error a CUDA, cuBLAS or NCCL call raises, with the call, the library's message and our
// file:line. A subclass of moe::Error so every front end shows it like any other, and a type of
// its own so a caller can tell "the GPU failed" (fall back to the CPU) from "the input is bad"
// (which the CPU would reject too).
#pragma once

#include <source_location>
#include <string>

#include "core/common/error.h"

namespace moe::gpu {

class CudaError : public Error {
public:
    enum class Kind {
        NoDevice,     // no device or no (new enough) driver
        OutOfMemory,  // an allocation failed
        Fault,        // any other failure (a launch, a kernel fault, a library error)
    };
    CudaError(const std::string& message, Kind kind,
              std::source_location origin = std::source_location::current())
        : Error(message, origin), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

}  // namespace moe::gpu
