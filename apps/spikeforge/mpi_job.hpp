// Commands that run as one job over MPI ranks (`simulate`, `pile build`): a failure on any rank
// must end the whole job with one clear line, never leave the other ranks waiting in a
// collective. Local runs (one rank) just let the error reach main().
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <new>

#include "comm/communicator.hpp"
#include "core/error.hpp"

namespace sf::cli {

// Runs body() (its exit code); with more than one rank, an exception prints
// "spikeforge: error: rank r: <message>" and aborts every rank with the error's exit code.
template <class Body>
int run_as_job(comm::communicator& world, Body&& body) {
    if (world.size() == 1) return body();
    int code = static_cast<int>(core::exit_code::runtime_failure);
    try {
        return body();
    } catch (const core::error& e) {
        std::fprintf(stderr, "spikeforge: error: rank %d: %s\n", world.rank(), e.what());
        code = static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "spikeforge: error: rank %d: out of memory\n", world.rank());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spikeforge: error: rank %d: %s\n", world.rank(), e.what());
    }
    world.abort(code);
    return code;  // not reached: abort ends the job
}

}  // namespace sf::cli
