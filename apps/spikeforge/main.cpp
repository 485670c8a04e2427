// spikeforge: one CLI for spiking neural activity. Maps typed errors to exit codes
// (DESIGN.md §4): 0 ok, 1 runtime failure, 2 bad usage/config, 3 bad input data.
#include "cli_app.hpp"
#include "cli_main.hpp"

int main(int argc, char** argv) {
    const auto cli = sf::cli::make_cli_app(argc, argv);
    if (const auto code = sf::cli::parse_command_line(cli->app, argc, argv)) return *code;
    return sf::cli::run_with_exit_codes([&] { return sf::cli::run_chosen_command(*cli); });
}
