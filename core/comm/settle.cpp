// See settle.h. Two collectives: an all-gather of pass/fail, then the first failure's message
// from its rank.
#include "core/comm/settle.h"

#include <cstdint>
#include <vector>

namespace moe {

void settle(Communicator& comm, const std::function<void()>& work) {
    std::string message;
    int32_t failed = 0;
    try {
        work();
    } catch (const std::exception& e) {
        failed = 1;
        message = e.what();
    }
    std::vector<int32_t> all(comm.size());
    comm.allGather(&failed, sizeof failed, all.data());
    for (int r = 0; r < comm.size(); ++r) {
        if (!all[r]) continue;
        uint64_t n = message.size();
        comm.broadcast(&n, sizeof n, r);
        message.resize(n);
        comm.broadcast(message.data(), n, r);
        throw CollectiveError(message);
    }
}

}  // namespace moe
