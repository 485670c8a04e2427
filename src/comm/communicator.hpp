// Processes of a job (DESIGN.md §3): a communicator interface with a local implementation (one
// process) and an MPI one (OpenMPI), chosen at run time. `pile build` uses it to spread sessions
// over ranks and gather their results on rank 0; the engine's distributed runs (issue 8) build on
// the same interface.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>
#include <string>

namespace sf::comm {

class communicator {
public:
    virtual ~communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    // Waits until every rank has reached it.
    virtual void barrier() = 0;
    // The sum of `value` over all ranks, on every rank.
    virtual std::uint64_t sum(std::uint64_t value) = 0;
    // Every rank's bytes, concatenated in rank order, on every rank: rank r's are
    // all[offsets[r], offsets[r + 1]). `all` and `offsets` are reused buffers (no allocation once
    // they are large enough). Throws core::error when one rank sends more than 2^31 - 1 bytes.
    virtual void allgather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                           std::vector<std::size_t>& offsets) = 0;
    // Ends every rank of the job with exit code `code`: a rank that failed calls it after writing
    // its one-line message, so that the other ranks do not wait for it forever.
    [[noreturn]] virtual void abort(int code) = 0;
    // "MPI (OpenMPI 4.1.4)" or "local", for reports.
    virtual std::string kind() const = 0;
};

// Whether an MPI launcher started this process (mpirun / mpiexec / srun set OMPI_COMM_WORLD_SIZE,
// PMIX_RANK or PMI_SIZE in its environment).
bool launched_by_mpi();

// Whether this build has MPI support (CMake option SF_WITH_MPI).
bool built_with_mpi();

// The communicator of one process alone.
std::unique_ptr<communicator> local_communicator();

// The job's communicator: MPI_COMM_WORLD when launched by MPI (MPI is initialized here and
// finalized when the object is destroyed; make one per process), else local_communicator().
// Throws core::config_error when launched by MPI in a build without MPI.
std::unique_ptr<communicator> world();

}  // namespace sf::comm
