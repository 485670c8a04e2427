// Sub-commands of the spikeforge CLI. Each lives in its own cmd_<name>.cpp, registers its
// options on the app and returns the function that runs it after parsing (its exit code).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace sf::cli {

using command_runner = std::function<int()>;

command_runner add_simulate(CLI::App& app, int argc, char** argv);
// --- further commands: one declaration each below this line ---
command_runner add_report(CLI::App& app);
command_runner add_theory(CLI::App& app);
command_runner add_convert(CLI::App& app, int argc, char** argv);
command_runner add_info(CLI::App& app);
command_runner add_bursts(CLI::App& app);
command_runner add_plot(CLI::App& app);
command_runner add_stats(CLI::App& app);
command_runner add_braingrid(CLI::App& app);
command_runner add_pile(CLI::App& app);
command_runner add_plan(CLI::App& app);
command_runner add_calcium(CLI::App& app);
// `pile merge|raster|motifs|tokenize|encode|reorder` (cmd_pile_data.cpp), registered by add_pile.
std::vector<std::pair<CLI::App*, command_runner>> add_pile_dataset_commands(CLI::App* pile);
// `calcium simulate|stats` (cmd_calcium_tools.cpp), registered by add_calcium.
std::vector<std::pair<CLI::App*, command_runner>> add_calcium_tool_commands(CLI::App* calcium);
// `calcium train` (cmd_calcium_training.cpp, libtorch), registered by add_calcium.
std::vector<std::pair<CLI::App*, command_runner>> add_calcium_training_commands(CLI::App* calcium);

}  // namespace sf::cli
