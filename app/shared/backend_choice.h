// `run --backend cuda|cpu` and the GUI's backend choice: which op backend each rank gets, and
// what the run's record says about it. Asking for CUDA never ends a run: no build with nvcc, no
// device, no driver or a device that fails (at start or mid-run, e.g. out of memory) gives a clear
// note and the CPU.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/model/backend.h"

namespace moe::app {

struct BackendChoice {
    std::string requested = "cpu";
    std::string used = "cpu";
    // Makes rank r's backend; empty = the engine's CPU backend.
    std::function<std::unique_ptr<Backend>(int rank)> make;
    nlohmann::json devices = nlohmann::json::array();  // name, memory, sm of each device used
    std::string note;  // why the CPU runs although CUDA was asked for; empty otherwise
};

// `device` < 0: rank r uses device (localRank + r) % count, so in-process ranks spread over
// the GPUs and MPI processes on one machine take one each. `ranksHere`: ranks this process
// runs (r = 0..ranksHere-1). `notice` receives mid-run fallbacks, from rank threads.
BackendChoice chooseBackend(const std::string& requested, int device, int localRank, int ranksHere,
                            std::function<void(const std::string&)> notice);

}  // namespace moe::app
