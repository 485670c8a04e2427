#include <cstdlib>

#include "comm/communicator.hpp"
#include "core/error.hpp"

namespace sf::comm {

namespace {

class local final : public communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void barrier() override {}
    std::uint64_t sum(std::uint64_t value) override { return value; }
    void allgather(std::span<const std::byte> mine, std::vector<std::byte>& all, std::vector<std::size_t>& offsets) override {
        all.assign(mine.begin(), mine.end());
        offsets.assign({0, mine.size()});
    }
    [[noreturn]] void abort(int code) override { std::exit(code); }
    std::string kind() const override { return "local"; }
};

}  // namespace

bool launched_by_mpi() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
        if (std::getenv(name) != nullptr) return true;
    return false;
}

std::unique_ptr<communicator> local_communicator() { return std::make_unique<local>(); }

#ifndef SF_WITH_MPI
bool built_with_mpi() { return false; }

std::unique_ptr<communicator> world() {
    if (launched_by_mpi())
        throw core::config_error("started by mpirun, but this spikeforge was built without MPI (cmake -DSF_WITH_MPI=ON, "
                                 "Debian libopenmpi-dev)");
    return local_communicator();
}
#endif

}  // namespace sf::comm
