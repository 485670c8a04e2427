#include "cli_app.hpp"

#include "core/version.hpp"

#include <fmt/format.h>

namespace sf::cli {

std::unique_ptr<cli_app> make_cli_app(int argc, char** argv) {
    auto cli = std::make_unique<cli_app>();
    CLI::App& app = cli->app;
    app.description("spikeforge: simulate spiking networks and turn spike data into analyses and ML datasets.\n"
                    "Units everywhere: ms, mV, pA, nS, pF, Hz.");
    app.name("spikeforge");
    app.set_version_flag("--version", fmt::format("spikeforge {}", core::version));
    app.require_subcommand(1);
    app.fallthrough(false);
    cli->commands = {
        {"simulate", add_simulate(app, argc, argv)},
        // --- further commands: one line each below this line ---
        {"report", add_report(app)},
        {"theory", add_theory(app)},
        {"convert", add_convert(app, argc, argv)},
        {"info", add_info(app)},
        {"bursts", add_bursts(app)},
        {"plot", add_plot(app)},
        {"stats", add_stats(app)},
        {"braingrid", add_braingrid(app)},
        {"pile", add_pile(app)},
        {"plan", add_plan(app)},
        {"calcium", add_calcium(app)},
    };
    return cli;
}

int run_chosen_command(const cli_app& cli) {
    for (const auto& [name, run] : cli.commands)
        if (cli.app.got_subcommand(name)) return run();
    return 0;
}

}  // namespace sf::cli
