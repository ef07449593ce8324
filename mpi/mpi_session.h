// The process's MPI lifetime: initialise once, hand out the world communicator, finalise on
// the way out, and turn a failure on any rank into one reported error and a job-wide stop.
// MPI_Finalize waits for peers and MPI_Abort ends the process, so neither may be left to
// chance on an error path: the owner reports the error, then calls abort().
#pragma once

#include <memory>
#include <string>

#include "mpi/mpi_communicator.h"

namespace moe::mpi {

class MpiSession {
public:
    // Initialises MPI (threads: MPI_THREAD_SERIALIZED, since the engine may run on a thread of
    // its own) unless something already did. Throws moe::Error when MPI cannot start.
    MpiSession();
    ~MpiSession();
    MpiSession(const MpiSession&) = delete;
    MpiSession& operator=(const MpiSession&) = delete;

    MpiCommunicator& world() { return *world_; }
    std::string processorName() const;
    // Prints "rank R on HOST: error: MESSAGE" on stderr and ends every rank of the job with
    // `code` (MPI_Abort). Never returns.
    [[noreturn]] void abort(const std::string& message, int code = 1);

private:
    std::unique_ptr<MpiCommunicator> world_;
    bool owner_ = false;  // we initialised MPI, so we finalise it
};

}  // namespace moe::mpi
