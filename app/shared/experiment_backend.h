// The backend chooser an Experiment calls (core/experiment/experiment.h): core knows no CUDA,
// so the front ends hand it this adapter over chooseBackend (CPU, or CUDA with a fallback note).
#pragma once

#include "core/experiment/experiment.h"

namespace moe::app {

BackendChooser experimentBackendChooser();

}  // namespace moe::app
