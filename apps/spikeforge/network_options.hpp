// The options that choose a network (a config file or a built-in model with its flags), shared
// by `simulate` and `plan`, and how they become a config.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sf::cli {

struct simulate_options {
    std::string config_path;
    std::string model;
    std::optional<std::string> variant, stimulus, out;
    std::optional<std::uint32_t> n;
    std::optional<double> pconn, t_stop, dt, scale;
    std::optional<std::string> areas;  // multi-area: comma-separated areas to simulate
    bool dc_input = false;             // microcircuit: DC instead of Poisson external input
    std::optional<int> threads;
    std::optional<std::uint64_t> seed;
    std::vector<std::string> formats, record_v;
    bool print_config = false;
    bool quiet = false;
    bool report = false;  // --report: spikeforge report on the output folder afterwards
    std::string command_line;
};

// Registers config, --model, --scale, --areas, --dc-input, --variant, --n, --pconn, --stimulus,
// --threads on cmd.
void add_network_options(CLI::App* cmd, simulate_options& o);

// The config the options describe, the built-in model expanded (config::expand_model).
config::simulation_config resolve_config(const simulate_options& o);

}  // namespace sf::cli
