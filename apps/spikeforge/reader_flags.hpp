// The command-line flags that choose how a spike file is read (shared by info, convert and any
// command that takes spike files): --format, --time-unit, --dt, --memory-budget.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "io/spike_readers.hpp"

namespace sf::cli {

struct reader_flags {
    std::string format;
    std::string time_unit;  // "" | "ms" | "s"
    double dt_ms = 0.1;     // [ms] braingrid / graphitti / NEST time_step columns
    double memory_budget_mb = 1024.0;

    // Registers the flags on `cmd`.
    void add_to(CLI::App* cmd) {
        cmd->add_option("--format", format,
                        "input format (default: detected from content): sonata, nwb, nest, csv, "
                        "braingrid, graphitti")
            ->check(CLI::IsMember({"sonata", "nwb", "nest", "csv", "braingrid", "graphitti"}));
        cmd->add_option("--time-unit", time_unit, "csv / nest: unit of the time column, ms (default) or s")
            ->check(CLI::IsMember({"ms", "s"}));
        cmd->add_option("--dt", dt_ms, "braingrid / graphitti / NEST time_step: time step [ms] (default 0.1)")
            ->check(CLI::PositiveNumber);
        cmd->add_option("--memory-budget", memory_budget_mb,
                        "braingrid: working memory for streaming the spike matrix [MB] (default 1024)")
            ->check(CLI::PositiveNumber);
    }

    io::read_options options() const {
        io::read_options o;
        o.format = format;
        o.time_unit_ms = time_unit == "s" ? 1000.0 : time_unit == "ms" ? 1.0 : 0.0;
        o.dt_ms = dt_ms;
        o.memory_budget_bytes = static_cast<std::uint64_t>(memory_budget_mb * 1024.0 * 1024.0);
        return o;
    }
};

}  // namespace sf::cli
