// See experiment_backend.h.
#include "app/shared/experiment_backend.h"

#include "app/shared/backend_choice.h"

namespace moe::app {

BackendChooser experimentBackendChooser() {
    return [](const ExperimentModel& model, int localRank, int ranksHere, Notice notice) {
        const BackendChoice choice =
            chooseBackend(model.backend, model.device, localRank, ranksHere, std::move(notice));
        BackendSelection s;
        s.used = choice.used;
        s.make = choice.make;
        if (!choice.devices.empty()) s.devicesJson = choice.devices.dump();
        s.note = choice.note;
        return s;
    };
}

}  // namespace moe::app
