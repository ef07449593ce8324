// `devices`: what this build can run on: the CPU backend always, CUDA GPUs when built with
// the CUDA module (opened here, on demand) and a device is present.
#include <iostream>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/text_table.h"
#include "app/shared/cuda_module.h"

namespace moe::cli {

Action addDevicesCommand(CLI::App& app) {
    app.add_subcommand("devices", "List the compute devices this build can use");
    return [] {
        std::cout << "cpu: " << std::thread::hardware_concurrency()
                  << " hardware threads (backend: cpu, Eigen)\n";
        std::string reason;
        const gpu::CudaModuleApi* cuda = app::cudaModule(&reason);
        const auto gpus = cuda ? cuda->listDevices(&reason) : std::vector<gpu::DeviceInfo>{};
        if (!cuda)
            std::cout << "cuda: " << reason << "\n";
        else if (gpus.empty())
            std::cout << "cuda: no device (" << reason << ")\n";
        for (const auto& d : gpus)
            std::cout << "cuda " << d.index << ": " << d.name << ", "
                      << fixed(d.totalMemoryBytes / double(1ull << 30), 1) << " GiB, sm_"
                      << d.computeMajor << d.computeMinor << ", " << d.smCount << " SMs, PCI "
                      << d.pciBusId << "\n";
        return 0;
    };
}

}  // namespace moe::cli
