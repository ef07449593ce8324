// See process_identity.h. Linux /proc: field 22 of /proc/PID/stat is the start time in clock
// ticks since boot, unique per pid per boot; the boot id makes it unique across reboots.
#include "core/store/process_identity.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

namespace moe::store {
namespace {

std::string bootId() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id;
}

}  // namespace

std::string processStartToken(int64_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return {};
    // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream rest(line.substr(close + 1));
    std::string state, field;
    rest >> state;                                // field 3
    if (state == "Z" || state == "X") return {};  // exited, not yet reaped
    for (int f = 4; f <= 22 && rest >> field; ++f) {
        if (f == 22) return bootId() + "/" + field;
    }
    return {};
}

std::string hostName() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
    return buf;
}

ProcessIdentity ProcessIdentity::current() {
    ProcessIdentity id;
    id.pid = getpid();
    id.host = hostName();
    id.start = processStartToken(id.pid);
    return id;
}

Liveness liveness(const ProcessIdentity& id) {
    if (id.host != hostName() || id.start.empty()) return Liveness::Unknown;
    std::ifstream probe("/proc/self/stat");
    if (!probe) return Liveness::Unknown;  // no /proc here: cannot tell
    return processStartToken(id.pid) == id.start ? Liveness::Alive : Liveness::Dead;
}

std::string machineDescription() {
    std::string cpu;
    std::ifstream info("/proc/cpuinfo");
    for (std::string line; std::getline(info, line);) {
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 1);
            cpu.erase(0, cpu.find_first_not_of(" \t"));
            break;
        }
    }
    long long memGiB = 0;
    const long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
    if (pages > 0 && pageSize > 0) memGiB = (static_cast<long long>(pages) * pageSize) >> 30;
    std::string out = hostName() + ", " + (cpu.empty() ? "unknown CPU" : cpu) + ", " +
                      std::to_string(std::thread::hardware_concurrency()) + " hardware threads";
    if (memGiB > 0) out += ", " + std::to_string(memGiB) + " GiB";
    return out;
}

}  // namespace moe::store
