// GoogleTest under mpirun: every rank runs every test; rank 0 prints the usual report, the
// others print only their failures (prefixed with their rank), and the exit code is the job's
// verdict, so ctest sees a failure on any rank. `--probe` only starts MPI and synchronises:
// the test script uses it to tell "mpirun cannot start N ranks here" (a skip) from a failure.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "mpi/mpi_session.h"
#include "tests/mpi/mpi_test_support.h"

namespace moe::mpi::testing {
namespace {
MpiCommunicator* gWorld = nullptr;

// Failures of a rank other than 0, which has no result printer of its own.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
public:
    explicit RankFailurePrinter(int rank) : rank_(rank) {}
    // The name is kept here: asking the UnitTest for it inside OnTestPartResult deadlocks.
    void OnTestStart(const ::testing::TestInfo& t) override {
        test_ = std::string(t.test_suite_name()) + "." + t.name();
    }
    void OnTestPartResult(const ::testing::TestPartResult& r) override {
        if (!r.failed()) return;
        std::cerr << "[rank " << rank_ << "] FAILED " << test_ << " at "
                  << (r.file_name() ? r.file_name() : "?") << ":" << r.line_number() << ": "
                  << r.summary() << std::endl;
    }

private:
    int rank_;
    std::string test_;
};
}  // namespace

MpiCommunicator& world() { return *gWorld; }

}  // namespace moe::mpi::testing

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const bool probe = argc > 1 && std::string(argv[1]) == "--probe";
    try {
        moe::mpi::MpiSession session;
        auto& world = session.world();
        moe::mpi::testing::gWorld = &world;
        if (probe) {
            world.barrier();
            if (world.rank() == 0) std::cout << "mpi probe: " << world.size() << " ranks up\n";
            return 0;
        }
        auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
        if (world.rank() != 0) {
            delete listeners.Release(listeners.default_result_printer());
            listeners.Append(new moe::mpi::testing::RankFailurePrinter(world.rank()));
        }
        const int failedHere = RUN_ALL_TESTS() != 0 ? 1 : 0;
        const int64_t failedRanks = moe::mpi::testing::sumOverRanks(world, failedHere);
        if (world.rank() == 0 && failedRanks > 0)
            std::cout << failedRanks << " of " << world.size() << " ranks had failures\n";
        return failedRanks > 0 ? 1 : 0;
    } catch (const std::exception& e) {
        std::cerr << "MPI test set-up failed: " << e.what() << '\n';
        return 2;
    }
}
