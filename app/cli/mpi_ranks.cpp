// See mpi_ranks.h.
#include "app/cli/mpi_ranks.h"

#include <iostream>

#include "core/comm/mpi_launch.h"
#include "core/common/error.h"
#ifdef MOE_HAVE_MPI
#include "mpi/mpi_session.h"
#endif

namespace moe::cli {

const char* const kMpiFlagHelp =
    "Run one rank per process over MPI (mpirun -np G ...; a host file spreads the ranks over "
    "machines). Implied when an MPI launcher started this process (OMPI_COMM_WORLD_SIZE, "
    "PMI_SIZE or MV2_COMM_WORLD_SIZE is set); --ranks then must be the process count";

int runAsRanks(bool mpiFlag, const std::function<int(const RankContext&)>& body) {
    const auto launch = detectMpiLaunch();
    if (!mpiFlag && !launch) return body({});
#ifdef MOE_HAVE_MPI
    mpi::MpiSession session;
    auto& world = session.world();
    const RankContext ctx{&world, world.localSize(), world.localRank(), world.hosts()};
    try {
        return body(ctx);
    } catch (const CollectiveError& e) {
        if (ctx.root()) std::cerr << "error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        session.abort(e.what());
    }
#else
    if (launch && launch->size == 1 && !mpiFlag) return body({});
    throw Error(std::string("this process was started as one of ") +
                (launch ? std::to_string(launch->size) + " MPI ranks (" + launch->variable + ")"
                        : "several MPI ranks (--mpi)") +
                " but this build has no MPI: install libopenmpi-dev and reconfigure "
                "(MOE_WITH_MPI=ON), or run without mpirun to use in-process ranks");
#endif
}

}  // namespace moe::cli
