// Sub-commands of the spikeforge CLI: each registers its options on the app and runs.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace sf::cli {

// Adds `simulate` to the app; the returned function runs it after parsing (exit code).
std::function<int()> add_simulate(CLI::App& app, int argc, char** argv);

}  // namespace sf::cli
