// `spikeforge calcium simulate` (synthetic fluorescence from spike trains, src/calcium/
// calcium_simulate) and `calcium stats` (trace statistics and training-set similarity weights,
// src/calcium/trace_stats). docs/calcium.md.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "calcium/calcium_simulate.hpp"
#include "calcium/trace_io.hpp"
#include "calcium/trace_stats.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"
#include "io/spike_readers.hpp"

namespace sf::cli {

namespace {

struct simulate_cli {
    std::string in, out, truth, indicator = "gcamp6s", format;
    std::optional<double> counts_fps, duration;
    double fps = 30.0, noise = 0.05;
    std::uint64_t seed = 1;
    std::size_t max_neurons = 0;
    bool counts = false, quiet = false;
};

struct stats_cli {
    std::string in, json_out, dataset;
    std::optional<double> fps;
    std::vector<std::string> select;
    bool quiet = false;
};

// Spike trains [s] per neuron with the span they cover, from a spike file or a counts table.
struct spike_input {
    std::vector<std::vector<double>> times_s;
    std::vector<double> duration_s;  // per neuron: the span the recording covers
    double t_start_s = 0.0;
};

spike_input read_spike_input(const simulate_cli& o) {
    spike_input in;
    if (o.counts) {
        const auto table = calcium::read_traces(o.in, {.rate_hz = o.counts_fps, .dataset = {}});
        for (std::size_t n = 0; n < table.neurons(); ++n) {
            in.times_s.push_back(calcium::spike_times_from_counts(table.columns[n], table.rate_hz, static_cast<std::uint32_t>(n),
                                                                  o.seed, fmt::format("{}: neuron '{}'", o.in, table.names[n])));
            in.duration_s.push_back(static_cast<double>(table.columns[n].size()) / table.rate_hz);
        }
        return in;
    }
    const auto data = io::read_spikes({o.in}, {.format = o.format});
    const auto units = core::by_unit(data.spikes);
    in.t_start_s = data.spikes.t_start_ms * 1e-3;
    for (std::uint32_t u = 0; u < data.spikes.unit_count; ++u) {
        const auto t = units.of(u);
        auto& times = in.times_s.emplace_back();
        for (const double ms : t) times.push_back(ms * 1e-3);
        in.duration_s.push_back((data.spikes.t_stop_ms - data.spikes.t_start_ms) * 1e-3);
    }
    return in;
}

int run_simulate(const simulate_cli& o) {
    if (!(o.fps > 0.0)) throw core::config_error("--fps must be a positive number of Hz");
    if (!(o.noise >= 0.0)) throw core::config_error("--noise must be >= 0");
    if (o.duration && !(*o.duration > 0.0)) throw core::config_error("--duration must be a positive number of seconds");
    calcium::trace_format_of(o.out);
    if (!o.truth.empty()) calcium::trace_format_of(o.truth), check_output_parent(o.truth);
    check_output_parent(o.out);
    calcium::imaging_options options{.sensor = calcium::named_indicator(o.indicator), .fps = o.fps, .noise = o.noise,
                                     .seed = o.seed};
    const auto input = read_spike_input(o);
    options.t_start_s = input.t_start_s;
    std::size_t neurons = input.times_s.size();
    if (o.max_neurons > 0) neurons = std::min(neurons, o.max_neurons);
    calcium::trace_table traces, truth;
    traces.rate_hz = truth.rate_hz = o.fps;
    std::size_t spikes = 0;
    for (std::size_t n = 0; n < neurons; ++n) {
        options.frames = static_cast<std::size_t>(std::floor(o.duration.value_or(input.duration_s[n]) * o.fps + 1e-9));
        const auto& t = input.times_s[n];
        traces.names.push_back(std::to_string(n));
        traces.columns.push_back(calcium::simulate_fluorescence(t, static_cast<std::uint32_t>(n), options));
        truth.columns.push_back(calcium::spike_counts_per_frame(t, options));
        spikes += t.size();
    }
    truth.names = traces.names;
    calcium::write_traces(o.out, traces);
    if (!o.truth.empty()) calcium::write_traces(o.truth, truth);
    if (!o.quiet)
        fmt::print("{}: {} neurons, {} spikes -> {} ({} at {:g} Hz, amplitude {:g} dF/F, rise {:g} s, decay {:g} s, noise sd {:g}){}\n",
                   o.in, neurons, spikes, o.out, o.indicator, o.fps, options.sensor.amplitude, options.sensor.rise_s,
                   options.sensor.decay_s, o.noise, o.truth.empty() ? "" : ", spike counts per frame -> " + o.truth);
    return 0;
}

// A training set named like `calcium train --data`: a prefix P with P.calcium.csv, or a trace file.
std::filesystem::path training_traces(const std::string& name) {
    const std::filesystem::path prefixed = name + ".calcium.csv";
    return std::filesystem::exists(prefixed) ? prefixed : std::filesystem::path(name);
}

int run_stats(const stats_cli& o) {
    if (!o.json_out.empty() && o.json_out != "-") check_output_parent(o.json_out);
    const auto table = calcium::read_traces(o.in, {.rate_hz = o.fps, .dataset = o.dataset});
    const auto& names = calcium::trace_statistic_names();
    const auto per_neuron = calcium::table_statistics(table);
    const auto mean = calcium::mean_statistics(per_neuron);
    std::vector<double> weights;
    std::vector<std::string> sets;
    if (!o.select.empty()) {
        std::vector<std::vector<double>> training;
        for (const auto& name : o.select) {
            const auto path = training_traces(name);
            if (!std::filesystem::exists(path))
                throw core::input_error(fmt::format("--select {}: neither {}.calcium.csv nor a trace file", name, name));
            training.push_back(calcium::mean_statistics(calcium::table_statistics(calcium::read_traces(path))));
            sets.push_back(name);
        }
        weights = calcium::similarity_weights(training, mean);
    }
    if (!o.quiet && o.json_out != "-") {
        fmt::print("{}: {} neurons at {:g} Hz\n{:<22}", o.in, table.neurons(), table.rate_hz, "statistic");
        for (const auto& n : table.names) fmt::print(" {:>10}", n);
        fmt::print(" {:>10}\n", "mean");
        for (std::size_t f = 0; f < names.size(); ++f) {
            fmt::print("{:<22}", names[f]);
            for (const auto& v : per_neuron) fmt::print(" {:>10.4g}", v[f]);
            fmt::print(" {:>10.4g}\n", mean[f]);
        }
        for (std::size_t i = 0; i < weights.size(); ++i) fmt::print("training weight {:>8.4f}  {}\n", weights[i], sets[i]);
    }
    if (!o.json_out.empty()) {
        nlohmann::json neurons = nlohmann::json::array();
        for (std::size_t n = 0; n < per_neuron.size(); ++n) {
            nlohmann::json stats;
            for (std::size_t f = 0; f < names.size(); ++f) stats[names[f]] = json_number(per_neuron[n][f]);
            neurons.push_back({{"name", table.names[n]}, {"samples", table.columns[n].size()}, {"statistics", stats}});
        }
        nlohmann::json means, select = nlohmann::json::array();
        for (std::size_t f = 0; f < names.size(); ++f) means[names[f]] = json_number(mean[f]);
        for (std::size_t i = 0; i < weights.size(); ++i) select.push_back({{"data", sets[i]}, {"weight", weights[i]}});
        const nlohmann::json j = {{"tool", "spikeforge calcium stats"}, {"version", core::version},
                                  {"created_utc", core::utc_now_iso8601()}, {"command_line", own_command_line()},
                                  {"input", o.in}, {"rate_hz", table.rate_hz}, {"neurons", neurons}, {"mean", means},
                                  {"select", select}};
        if (o.json_out == "-")
            fmt::print("{}\n", j.dump(2));
        else
            io::write_text_atomically(o.json_out, j.dump(2) + "\n");
    }
    return 0;
}

}  // namespace

std::vector<std::pair<CLI::App*, command_runner>> add_calcium_tool_commands(CLI::App* calcium) {
    auto s = std::make_shared<simulate_cli>();
    CLI::App* simulate = calcium->add_subcommand("simulate", "Synthetic fluorescence traces from spike trains");
    simulate->footer("Input: any spike file spikeforge reads (SONATA, NWB, NEST, CSV t/unit, BrainGrid, ...), one trace per\n"
                     "unit over the recording's span; or with --counts a table of spike counts per sample (Spikefinder\n"
                     "*.spikes.csv, .npy, .h5). Each spike adds a double-exponential dF/F transient of the indicator;\n"
                     "frames at exact times i/fps; Gaussian noise. Seeded: same seed => identical traces.");
    simulate->add_option("spikes", s->in, "spike file, or spike counts with --counts")->required()->check(CLI::ExistingFile);
    simulate->add_option("-o,--out", s->out, "fluorescence traces (.csv Spikefinder, .npy, .h5)")->required();
    simulate->add_option("--indicator", s->indicator, "ogb1 | gcamp6s (default) | gcamp6f");
    simulate->add_option("--fps", s->fps, "frame rate [Hz] (default 30)");
    simulate->add_option("--noise", s->noise, "sd of the Gaussian noise [dF/F] (default 0.05)");
    simulate->add_option("--seed", s->seed, "seed of the noise and of the spike times inside count bins (default 1)");
    simulate->add_option("--truth", s->truth, "also write the spike counts per frame (same layout) for calcium eval");
    simulate->add_flag("--counts", s->counts, "the input is a table of spike counts per sample");
    simulate->add_option("--counts-fps", s->counts_fps, "rate of the counts table [Hz] (default: the file's; CSV 100)");
    simulate->add_option("--format", s->format, "spike file format (default: detected)");
    simulate->add_option("--duration", s->duration,
                         "seconds of imaging from the recording's start (default: its span; a CSV's ends at its last spike)");
    simulate->add_option("--max-neurons", s->max_neurons, "only the first N units (default all)");
    simulate->add_flag("--quiet,-q", s->quiet, "no summary");

    auto t = std::make_shared<stats_cli>();
    CLI::App* stats = calcium->add_subcommand("stats", "Trace statistics (Elephant's embedding features) and training-set similarity");
    stats->footer("Per neuron: variance, skewness, kurtosis, autocorrelation at 0.5/1/2 s, generalised Hurst exponents\n"
                  "q=1..5, power fractions 0-1/1-3/3-10/>10 Hz, spectral centroid, noise sd, effective frame rate.\n"
                  "--select P...: weights of training datasets (P.calcium.csv or trace files) by similarity to the input,\n"
                  "for calcium train --weights.");
    stats->add_option("input", t->in, "calcium traces (.csv, .npy, .h5)")->required()->check(CLI::ExistingFile);
    stats->add_option("--fps", t->fps, "frame rate [Hz] (default: the file's)");
    stats->add_option("--dataset", t->dataset, "HDF5 input: the dataset");
    stats->add_option("--select", t->select, "training datasets to weight by similarity");
    stats->add_option("--json", t->json_out, "also write JSON to FILE (- : JSON on stdout, no table)");
    stats->add_flag("--quiet,-q", t->quiet, "no table");

    return {{simulate, [s] { return run_simulate(*s); }}, {stats, [t] { return run_stats(*t); }}};
}

}  // namespace sf::cli
