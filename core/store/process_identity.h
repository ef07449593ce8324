// Who is writing a run: pid, host name, and a start token that tells this process apart from a
// later one that reuses its pid. Lets any reader decide that a run still marked "running" was
// left behind by a process that no longer exists (killed, crashed, machine rebooted).
#pragma once

#include <cstdint>
#include <string>

namespace moe::store {

struct ProcessIdentity {
    int64_t pid = 0;
    std::string host;
    std::string start;  // "<boot id>/<start time in clock ticks>", empty where unknown

    static ProcessIdentity current();
};

enum class Liveness { Alive, Dead, Unknown };

// Whether the process `id` still runs. Unknown for another host or where /proc is missing;
// the caller then falls back to the run's heartbeat.
Liveness liveness(const ProcessIdentity& id);

// Start token of a process on this host, or empty when it does not exist (or is a zombie).
std::string processStartToken(int64_t pid);

std::string hostName();
// "host, CPU model, N hardware threads, M GiB": what the run ran on.
std::string machineDescription();

}  // namespace moe::store
