// `spikeforge info FILE...`: what a spike file holds — format, populations, units, spikes,
// time span and mean rates — readable or as JSON (--json).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.hpp"
#include "core/spike_data.hpp"
#include "io/spike_readers.hpp"
#include "reader_flags.hpp"

namespace sf::cli {

namespace {

struct info_options {
    std::vector<std::string> files;
    reader_flags read;
    bool json = false;
};

struct population_summary {
    std::string name;
    std::uint64_t units = 0, active = 0, spikes = 0, excitatory = 0, inhibitory = 0;
    double rate_hz = 0.0;  // spikes / units / recording span
};

std::vector<population_summary> summarize(const core::spike_dataset& d) {
    std::vector<population_summary> pops(d.units.population_names.size());
    for (std::size_t p = 0; p < pops.size(); ++p) pops[p].name = d.units.population_names[p];
    std::vector<std::uint64_t> per_unit(d.spikes.unit_count, 0);
    for (const std::uint32_t u : d.spikes.unit) ++per_unit[u];
    for (std::size_t u = 0; u < d.units.size(); ++u) {
        population_summary& p = pops[d.units.population[u]];
        ++p.units;
        p.spikes += per_unit[u];
        p.active += per_unit[u] > 0 ? 1 : 0;
        p.excitatory += d.units.type[u] == core::unit_type::excitatory ? 1 : 0;
        p.inhibitory += d.units.type[u] == core::unit_type::inhibitory ? 1 : 0;
    }
    const double span_s = (d.spikes.t_stop_ms - d.spikes.t_start_ms) / 1000.0;
    for (population_summary& p : pops) {
        p.rate_hz =
            p.units > 0 && span_s > 0 ? static_cast<double>(p.spikes) / static_cast<double>(p.units) / span_s : 0.0;
    }
    return pops;
}

nlohmann::json to_json(const info_options& o, const core::spike_dataset& d,
                       const std::vector<population_summary>& pops) {
    nlohmann::json populations = nlohmann::json::array();
    for (const population_summary& p : pops) {
        populations.push_back({{"name", p.name},
                               {"units", p.units},
                               {"active_units", p.active},
                               {"spikes", p.spikes},
                               {"mean_rate_hz", p.rate_hz},
                               {"excitatory", p.excitatory},
                               {"inhibitory", p.inhibitory}});
    }
    const bool any = d.spikes.size() > 0;
    return {{"files", o.files},
            {"format", d.format},
            {"spikes", d.spikes.size()},
            {"units", d.spikes.unit_count},
            {"first_spike_ms", any ? nlohmann::json(d.spikes.t_ms.front()) : nlohmann::json(nullptr)},
            {"last_spike_ms", any ? nlohmann::json(d.spikes.t_ms.back()) : nlohmann::json(nullptr)},
            {"t_start_ms", d.spikes.t_start_ms},
            {"t_stop_ms", d.spikes.t_stop_ms},
            {"populations", populations},
            {"metadata", d.units.metadata}};
}

void print_readable(const info_options& o, const core::spike_dataset& d, const std::vector<population_summary>& pops) {
    fmt::print("File        : {}\n", fmt::join(o.files, ", "));
    fmt::print("Format      : {}\n", d.format);
    fmt::print("Spikes      : {}\n", d.spikes.size());
    fmt::print("Units       : {}\n", d.spikes.unit_count);
    if (d.spikes.size() > 0) {
        fmt::print("Spike times : {:g} .. {:g} ms\n", d.spikes.t_ms.front(), d.spikes.t_ms.back());
    }
    fmt::print("Recording   : {:g} .. {:g} ms (rates use this span)\n", d.spikes.t_start_ms, d.spikes.t_stop_ms);
    fmt::print("Populations : {}\n", pops.size());
    fmt::print("  {:<16} {:>10} {:>10} {:>12} {:>12}  {}\n", "name", "units", "active", "spikes", "rate [Hz]", "types");
    for (const population_summary& p : pops) {
        const std::string types =
            p.excitatory + p.inhibitory > 0 ? fmt::format("{} exc, {} inh", p.excitatory, p.inhibitory) : "";
        fmt::print("  {:<16} {:>10} {:>10} {:>12} {:>12.4g}  {}\n", p.name, p.units, p.active, p.spikes, p.rate_hz,
                   types);
    }
}

int run_info(const info_options& o) {
    const core::spike_dataset d = io::read_spikes(o.files, o.read.options());
    const std::vector<population_summary> pops = summarize(d);
    if (o.json) {
        fmt::print("{}\n", to_json(o, d, pops).dump(2));
    } else {
        print_readable(o, d, pops);
    }
    return 0;
}

}  // namespace

command_runner add_info(CLI::App& app) {
    auto o = std::make_shared<info_options>();
    CLI::App* cmd = app.add_subcommand("info",
                                       "Describe a spike file: format, populations, units, spikes, time span, "
                                       "mean rates");
    cmd->footer(
        "Several files are read as one recorder (NEST per-thread files, CSV parts). Mean rate = spikes /\n"
        "units / (t_stop - t_start), with the span the file records (else 0 .. last spike).\n"
        "Formats and detection rules: docs/readers.md. Exit 3 for malformed input.\n"
        "Examples:\n"
        "  spikeforge info out/vogels-abbott/spikes.h5\n"
        "  spikeforge info spikes-*.dat --json\n"
        "  spikeforge info table.csv --time-unit s");
    cmd->add_option("files", o->files, "spike file(s)")->required()->check(CLI::ExistingFile);
    o->read.add_to(cmd);
    cmd->add_flag("--json", o->json, "print JSON instead of a table");
    return [o] { return run_info(*o); };
}

}  // namespace sf::cli
