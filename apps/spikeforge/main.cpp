// spikeforge: one CLI for spiking neural activity. Maps typed errors to exit codes
// (DESIGN.md §4): 0 ok, 1 runtime failure, 2 bad usage/config, 3 bad input data.
#include "cli_main.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/version.hpp"

#include <fmt/format.h>

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
    if (const auto code = sf::cli::parse_command_line(app, argc, argv)) return *code;
    return sf::cli::run_with_exit_codes([&] {
        for (const auto& [name, run] : commands)
            if (app.got_subcommand(name)) return run();
        return 0;
    });
}
