// `devices`: what this build can run on: the CPU backend always, CUDA GPUs when built with
// the gpu/ target and a device is present.
#include <iostream>
#include <thread>

#include "app/cli/commands.h"
#include "app/cli/text_table.h"
#ifdef MOE_HAVE_CUDA
#include "gpu/device_info.h"
#endif

namespace moe::cli {

Action addDevicesCommand(CLI::App& app) {
    app.add_subcommand("devices", "List the compute devices this build can use");
    return [] {
        std::cout << "cpu: " << std::thread::hardware_concurrency()
                  << " hardware threads (backend: cpu, Eigen)\n";
#ifdef MOE_HAVE_CUDA
        std::string reason;
        const auto gpus = moe::gpu::listDevices(&reason);
        if (gpus.empty()) std::cout << "cuda: no device (" << reason << ")\n";
        for (const auto& d : gpus)
            std::cout << "cuda " << d.index << ": " << d.name << ", "
                      << fixed(d.totalMemoryBytes / double(1ull << 30), 1) << " GiB, sm_"
                      << d.computeMajor << d.computeMinor << ", " << d.smCount << " SMs, PCI "
                      << d.pciBusId << "\n";
#else
        std::cout << "cuda: not built (nvcc was not found when this build was configured)\n";
#endif
        return 0;
    };
}

}  // namespace moe::cli
