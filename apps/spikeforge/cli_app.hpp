// The spikeforge command line as an object: one CLI::App with every sub-command registered.
// main.cpp parses and runs it with exit codes; the Python module (spikeforge.run_command) runs
// the very same commands in-process, with errors raised as exceptions instead.
#pragma once

#include "commands.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sf::cli {

struct cli_app {
    CLI::App app;
    std::vector<std::pair<std::string, command_runner>> commands;  // (name, runner), in help order
};

// Registers every sub-command; argc/argv are the command line recorded in output provenance.
std::unique_ptr<cli_app> make_cli_app(int argc, char** argv);

// Runs the sub-command app.parse() chose; returns its exit code, throws core::error on failure.
int run_chosen_command(const cli_app& cli);

}  // namespace sf::cli
