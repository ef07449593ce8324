// Set-up that may fail on some ranks only (rank 0 opens the database, parses a policy, creates
// a CSV file): without agreeing on the outcome, the ranks that succeeded would wait in the
// first collective of the run for a rank that has already given up.
#pragma once

#include <functional>

#include "core/comm/communicator.h"

namespace moe {

// Collective: every rank runs `work`, then all learn whether any rank failed. If one did, every
// rank throws CollectiveError with the message of the lowest failing rank, so the job ends
// normally with one report; otherwise all return.
void settle(Communicator& comm, const std::function<void()>& work);

}  // namespace moe
