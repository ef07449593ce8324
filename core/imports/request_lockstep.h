// Per-request routing (SGLang's and vLLM's --enable-return-routed-experts, saved as .npy files
// or as the JSON responses) has no step of its own: this replays the requests in lockstep,
// step i holding token i of every request still running, as a server decoding them together
// would. Each request is one sequence; positions count from 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/imports/imported_routing.h"

namespace moe {

struct RequestRouting {
    std::string source;  // the file (and line) it came from, for messages
    int64_t tokens = 0;
    std::vector<int32_t> ids;  // tokens x layers x topK expert ids
};

// Throws moe::Error naming the request's source for a negative or absurd expert id (above
// 2^20) or ids that do not fill tokens x layers x topK. Experts are counted as the largest
// id + 1 (said in the notes); `layers` are numbered 0.. unless the caller renumbers them;
// the caller names the files and the format.
ImportedRouting requestsInLockstep(std::vector<RequestRouting> requests, int layers, int topK);

}  // namespace moe
