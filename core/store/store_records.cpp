// See store_records.h: the status names are what the `status` column holds.
#include "core/store/store_records.h"

#include "core/common/error.h"

namespace moe::store {

const char* toString(RunStatus s) {
    switch (s) {
        case RunStatus::Running:
            return "running";
        case RunStatus::Finished:
            return "finished";
        case RunStatus::Failed:
            return "failed";
        case RunStatus::Interrupted:
            return "interrupted";
    }
    return "running";
}

RunStatus parseRunStatus(const std::string& name) {
    for (RunStatus s :
         {RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Interrupted})
        if (name == toString(s)) return s;
    throw Error("unknown run status '" + name +
                "' (expected running, finished, failed or interrupted)");
}

}  // namespace moe::store
