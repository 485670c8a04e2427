// main() of sf_unit_sim_mpi: the engine tests on MPI_COMM_WORLD (run by ctest under mpirun with 2
// and 3 ranks). Every rank runs every test; the job fails when a test fails on any rank; only
// rank 0 prints gtest's report.
#include <gtest/gtest.h>

#include <cstdio>

#include "test_world.hpp"

namespace {
sf::comm::communicator* world_for_tests = nullptr;  // set once in main, before any test runs
}

sf::comm::communicator* sf::test::test_world() { return world_for_tests; }

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    const auto world = sf::comm::world();
    if (world->size() < 2) {
        std::fprintf(stderr, "sf_unit_sim_mpi: run it under mpirun with 2 or more ranks\n");
        return 1;
    }
    world_for_tests = world.get();
    if (world->rank() != 0) delete ::testing::UnitTest::GetInstance()->listeners().Release(
        ::testing::UnitTest::GetInstance()->listeners().default_result_printer());
    const int failed = RUN_ALL_TESTS() != 0 ? 1 : 0;
    return world->sum(static_cast<std::uint64_t>(failed)) > 0 ? 1 : 0;
}
