// The MPI communicator (compiled when SF_WITH_MPI is on). MPI is initialized only for processes
// an MPI launcher started: a plain `spikeforge ...` never touches MPI (OpenMPI's singleton
// start-up would spawn a daemon and is refused as root).
#include <mpi.h>

#include <fmt/format.h>

#include <cstdio>
#include <limits>
#include <vector>

#include "comm/communicator.hpp"
#include "core/error.hpp"

namespace sf::comm {

namespace {

void check(int status, const char* call) {
    if (status != MPI_SUCCESS) throw core::error(fmt::format("{} failed (MPI error {})", call, status));
}

class mpi_world final : public communicator {
public:
    mpi_world() {
        int provided = 0;
        check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
        MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
        MPI_Comm_size(MPI_COMM_WORLD, &size_);
    }
    ~mpi_world() override { MPI_Finalize(); }
    mpi_world(const mpi_world&) = delete;
    mpi_world& operator=(const mpi_world&) = delete;

    int rank() const override { return rank_; }
    int size() const override { return size_; }
    void barrier() override { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }
    std::uint64_t sum(std::uint64_t value) override {
        std::uint64_t total = 0;
        check(MPI_Allreduce(&value, &total, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD), "MPI_Allreduce");
        return total;
    }
    void allgather(std::span<const std::byte> mine, std::vector<std::byte>& all, std::vector<std::size_t>& offsets) override {
        if (mine.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
            throw core::error(fmt::format("rank {}: {} bytes in one exchange; MPI counts are int", rank_, mine.size()));
        const int n = static_cast<int>(mine.size());
        counts_.resize(static_cast<std::size_t>(size_));
        displs_.resize(static_cast<std::size_t>(size_));
        check(MPI_Allgather(&n, 1, MPI_INT, counts_.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
        offsets.assign(1, 0);
        for (int r = 0; r < size_; ++r) {
            displs_[static_cast<std::size_t>(r)] = static_cast<int>(offsets.back());
            offsets.push_back(offsets.back() + static_cast<std::size_t>(counts_[static_cast<std::size_t>(r)]));
            if (offsets.back() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
                throw core::error(fmt::format("{} bytes in one exchange over all ranks; MPI displacements are int",
                                              offsets.back()));
        }
        all.resize(offsets.back());
        check(MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts_.data(), displs_.data(), MPI_BYTE, MPI_COMM_WORLD),
              "MPI_Allgatherv");
    }
    [[noreturn]] void abort(int code) override {
        std::fflush(nullptr);
        MPI_Abort(MPI_COMM_WORLD, code);
        std::_Exit(code);  // MPI_Abort does not return; this satisfies [[noreturn]]
    }
    std::string kind() const override {
        char version[MPI_MAX_LIBRARY_VERSION_STRING];
        int length = 0;
        MPI_Get_library_version(version, &length);
        std::string v(version, static_cast<std::size_t>(length));
        v = v.substr(0, v.find(','));
        return "MPI (" + v + ")";
    }

private:
    int rank_ = 0, size_ = 1;
    std::vector<int> counts_, displs_;  // per rank, reused by allgather
};

}  // namespace

bool built_with_mpi() { return true; }

std::unique_ptr<communicator> world() {
    if (!launched_by_mpi()) return local_communicator();
    return std::make_unique<mpi_world>();
}

}  // namespace sf::comm
