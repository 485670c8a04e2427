// The processes the engine tests run on: this process alone in sf_unit_sim; MPI_COMM_WORLD in
// sf_unit_sim_mpi, the same test sources compiled with SF_TEST_MPI and run under mpirun
// (tests/unit/sim/mpi_main.cpp), so every invariance test also checks R ranks against one process.
#pragma once

#include "comm/communicator.hpp"

namespace sf::test {

#ifdef SF_TEST_MPI
comm::communicator* test_world();
#else
inline comm::communicator* test_world() { return nullptr; }
#endif

}  // namespace sf::test
