// Names of the batching modes, shared by the CLI flags, the GUI and describe() strings.
#include "core/workload/batching.h"

#include "core/common/error.h"

namespace moe {

Batching parseBatching(const std::string& name) {
    if (name == "tokens") return Batching::Tokens;
    if (name == "sequence") return Batching::Sequence;
    if (name == "continuous") return Batching::Continuous;
    if (name == "recorded") return Batching::Recorded;
    throw Error("unknown batching '" + name +
                "' (expected tokens, sequence, continuous or recorded)");
}

const char* batchingName(Batching batching) {
    switch (batching) {
        case Batching::Tokens:
            return "tokens";
        case Batching::Sequence:
            return "sequence";
        case Batching::Continuous:
            return "continuous";
        case Batching::Recorded:
            return "recorded";
    }
    return "?";
}

}  // namespace moe
