// See mpi_session.h.
#include "mpi/mpi_session.h"

#include <iostream>

#include "core/common/error.h"

namespace moe::mpi {

MpiSession::MpiSession() {
    int initialised = 0;
    check(MPI_Initialized(&initialised), "MPI_Initialized");
    if (!initialised) {
        int provided = MPI_THREAD_SINGLE;
        const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
        if (rc != MPI_SUCCESS) throw Error("MPI could not start (MPI_Init_thread failed)");
        owner_ = true;
        if (provided < MPI_THREAD_SERIALIZED) {
            MPI_Finalize();
            owner_ = false;
            throw Error(
                "this MPI library does not allow calls from a thread other than the "
                "main one (MPI_THREAD_SERIALIZED), which the engine needs");
        }
    }
    world_ = std::make_unique<MpiCommunicator>(MPI_COMM_WORLD);
}

MpiSession::~MpiSession() {
    const bool aborted = world_ && world_->aborted();
    world_.reset();
    // After a failure MPI_Finalize could wait forever for peers still inside a collective.
    if (owner_ && !aborted) MPI_Finalize();
}

std::string MpiSession::processorName() const {
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    if (MPI_Get_processor_name(name, &len) != MPI_SUCCESS) return "?";
    return std::string(name, len);
}

void MpiSession::abort(const std::string& message, int code) {
    std::cerr << "rank " << world_->rank() << " on " << processorName() << ": error: " << message
              << std::endl;
    world_->abort();
    MPI_Abort(MPI_COMM_WORLD, code);
    std::abort();  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace moe::mpi
