// spikeforge: one CLI for spiking neural activity. Maps typed errors to exit codes
// (DESIGN.md §4): 0 ok, 1 runtime failure, 2 bad usage/config, 3 bad input data.
#include "commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char** argv) {
    CLI::App app{"spikeforge: simulate spiking networks and turn spike data into analyses and ML datasets.\n"
                 "Units everywhere: ms, mV, pA, nS, pF, Hz."};
    app.set_version_flag("--version", fmt::format("spikeforge {}", sf::core::version));
    app.require_subcommand(1);
    app.fallthrough(false);
    // Every sub-command, in help order: (name, runner).
    const std::vector<std::pair<std::string, sf::cli::command_runner>> commands = {
        {"simulate", sf::cli::add_simulate(app, argc, argv)},
        // --- further commands: one line each below this line ---
        {"report", sf::cli::add_report(app)},
        {"theory", sf::cli::add_theory(app)},
        {"convert", sf::cli::add_convert(app, argc, argv)},
        {"info", sf::cli::add_info(app)},
        {"bursts", sf::cli::add_bursts(app)},
        {"plot", sf::cli::add_plot(app)},
        {"stats", sf::cli::add_stats(app)},
        {"braingrid", sf::cli::add_braingrid(app)},
        {"pile", sf::cli::add_pile(app)},
        {"plan", sf::cli::add_plan(app)},
        {"calcium", sf::cli::add_calcium(app)},
    };
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
        std::fprintf(stderr, "spikeforge: error: %s\n", e.what());
        return static_cast<int>(sf::core::exit_code::bad_usage);
    }
    try {
        for (const auto& [name, run] : commands)
            if (app.got_subcommand(name)) return run();
    } catch (const sf::core::error& e) {
        std::fprintf(stderr, "spikeforge: error: %s\n", e.what());
        return static_cast<int>(e.code());
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "spikeforge: error: out of memory\n");
        return static_cast<int>(sf::core::exit_code::runtime_failure);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "spikeforge: error: %s\n", e.what());
        return static_cast<int>(sf::core::exit_code::runtime_failure);
    }
    return 0;
}
