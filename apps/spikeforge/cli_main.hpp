// What every spikeforge executable's main() does around its commands: parse, then run with the
// typed errors mapped to exit codes (DESIGN.md §4): 0 ok, 1 runtime failure, 2 bad usage/config,
// 3 bad input data. Shared by `spikeforge` and `spikeforge-calcium-train`.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <functional>
#include <new>
#include <optional>

#include "core/error.hpp"

namespace sf::cli {

// nullopt when the command line parsed; otherwise the exit code (0 after --help / --version).
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        std::fprintf(stderr, "spikeforge: error: %s\n", e.what());
        return static_cast<int>(core::exit_code::bad_usage);
    }
    return std::nullopt;
}

// Runs a command: an error becomes one line on stderr and its exit code.
inline int run_with_exit_codes(const std::function<int()>& run) {
    try {
        return run();
    } catch (const core::error& e) {
        std::fprintf(stderr, "spikeforge: error: %s\n", e.what());
        return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "spikeforge: error: out of memory\n");
        return static_cast<int>(core::exit_code::runtime_failure);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spikeforge: error: %s\n", e.what());
        return static_cast<int>(core::exit_code::runtime_failure);
    }
}

}  // namespace sf::cli
