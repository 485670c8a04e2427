// spikeforge-calcium-train: `spikeforge calcium train` in its own executable, so that only this
// process loads libtorch. Linked into the main CLI, libtorch's shared libraries and static
// initialisers added ~150 MB to the resident memory of every command (the memory-budget tests
// of the streaming readers caught it); `spikeforge calcium train ...` runs this program instead.
#include "cli_main.hpp"
#include "commands.hpp"
#include "core/version.hpp"

#include <fmt/format.h>

int main(int argc, char** argv) {
    CLI::App app{"spikeforge calcium: train the calcium-imaging CNN (called by `spikeforge calcium train`)"};
    app.set_version_flag("--version", fmt::format("spikeforge {}", sf::core::version));
    app.name("spikeforge calcium");  // the usage line users should type, not this program's path
    app.require_subcommand(1);
    const auto commands = sf::cli::add_calcium_training_commands(&app);
    if (const auto code = sf::cli::parse_command_line(app, argc, argv)) return *code;
    return sf::cli::run_with_exit_codes([&] {
        for (const auto& [sub, run] : commands)
            if (sub->parsed()) return run();
        return 0;
    });
}
