// `spikeforge simulate`: build a network from a built-in model or a config file, run it, and
// write spikes.h5 (SONATA), optional units.nwb and state.h5, config.toml and report.json.
#include "analysis/spike_summary.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "mpi_job.hpp"
#include "network_options.hpp"
#include "process_stats.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "core/provenance.hpp"
#include "core/version.hpp"
#include "io/atomic_file.hpp"
#include "io/nwb_units.hpp"
#include "io/sonata_spikes.hpp"
#include "io/state_report.hpp"
#include "models/builtin_registry.hpp"
#include "report.hpp"
#include "sim/simulation.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <sys/resource.h>
#include <unistd.h>

namespace sf::cli {

namespace {

using clock_type = std::chrono::steady_clock;
double seconds_since(clock_type::time_point start) {
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// Progress on stderr, only for an interactive terminal and runs longer than a few seconds.
std::function<void(double, double)> progress_printer(bool enabled) {
    if (!enabled || !isatty(STDERR_FILENO)) return {};
    auto start = clock_type::now();
    auto last = std::make_shared<double>(0.0);
    return [start, last](double t_ms, double t_end_ms) {
        const double elapsed = seconds_since(start);
        if (elapsed < 2.0 || elapsed - *last < 0.5) return;
        *last = elapsed;
        const double fraction = t_end_ms > 0 ? t_ms / t_end_ms : 1.0;
        std::fprintf(stderr, "\r  simulating %.0f / %.0f ms (%3.0f %%), %.1f s elapsed, ~%.1f s left   ", t_ms, t_end_ms,
                     100 * fraction, elapsed, fraction > 0 ? elapsed * (1 - fraction) / fraction : 0.0);
        if (t_ms >= t_end_ms) std::fprintf(stderr, "\n");
    };
}

// config.toml is TOML: its provenance travels as comments, so the file still runs as it is.
std::string provenance_comment(const core::provenance& prov) {
    return fmt::format("# written by spikeforge {} at {} (seed {}, {} thread{})\n# command: {}\n", prov.version,
                       prov.created_utc, prov.seed, prov.threads, prov.threads == 1 ? "" : "s", prov.command_line);
}


nlohmann::json nan_to_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

struct timings {
    double build = 0, simulate = 0, write = 0;
};

// The job's totals over all ranks (one rank: this process's own figures) and each rank's own.
struct job_figures {
    std::uint64_t synapses = 0, events = 0, synapse_bytes = 0;
    nlohmann::json per_rank = nlohmann::json::array();
};

// Collective: every rank calls it after the run.
job_figures gather_job_figures(const sim::simulation& s, const timings& t, comm::communicator& world) {
    job_figures f;
    f.synapses = world.sum(s.synapse_count());
    f.events = world.sum(s.events_delivered());
    f.synapse_bytes = world.sum(s.synapse_bytes());
    const nlohmann::json mine = {{"rank", world.rank()},          {"build_s", t.build},
                                 {"simulate_s", t.simulate},      {"communicate_s", s.communicate_seconds()},
                                 {"synapses", s.synapse_count()}, {"synapse_bytes", s.synapse_bytes()},
                                 {"events", s.events_delivered()}, {"peak_rss_mb", peak_rss_mb()}};
    const std::string text = mine.dump();
    std::vector<std::byte> all;
    std::vector<std::size_t> offsets;
    world.allgather(std::as_bytes(std::span(text.data(), text.size())), all, offsets);
    for (std::size_t r = 0; r + 1 < offsets.size(); ++r)
        f.per_rank.push_back(nlohmann::json::parse(std::string(reinterpret_cast<const char*>(all.data()) + offsets[r],
                                                               offsets[r + 1] - offsets[r])));
    return f;
}

nlohmann::json make_report(const config::simulation_config& c, const sim::simulation& s, const job_figures& job,
                           const std::vector<analysis::population_statistics>& stats, const timings& t,
                           const core::provenance& prov) {
    nlohmann::json r;
    std::uint64_t spikes = 0;
    nlohmann::json rate = nlohmann::json::object(), cv = nlohmann::json::object(), window = nlohmann::json::object(),
                   pops = nlohmann::json::array();
    for (const auto& p : stats) {
        spikes += p.spikes;
        rate[p.name] = p.rate_hz;
        cv[p.name] = nan_to_null(p.cv_isi);
        window[p.name] = p.window_rate_hz;
        pops.push_back({{"name", p.name}, {"neurons", p.neurons}, {"spikes", p.spikes}, {"rate_hz", p.rate_hz},
                        {"cv_isi", nan_to_null(p.cv_isi)}, {"cv_neurons", p.cv_neurons}});
    }
    r["version"] = core::version;
    r["neurons"] = s.neuron_count();
    r["synapses"] = job.synapses;
    r["spikes"] = spikes;
    r["events"] = job.events;
    r["rate_hz"] = rate;
    r["cv_isi"] = cv;
    r["rate_last_200ms_hz"] = window;
    r["populations"] = pops;
    r["time_s"] = {{"build", t.build}, {"simulate", t.simulate}, {"write", t.write}};
    r["events_per_s"] = t.simulate > 0 ? static_cast<double>(job.events) / t.simulate : 0.0;
    r["threads"] = s.threads();  // per rank
    r["ranks"] = s.ranks();
    r["per_rank"] = job.per_rank;  // build / simulate / communicate times [s], synapses, memory
    r["seed"] = c.run.seed;
    r["dt_ms"] = c.run.dt_ms;
    r["t_stop_ms"] = c.run.t_stop_ms;
    r["min_delay_ms"] = static_cast<double>(s.min_delay_steps()) * c.run.dt_ms;
    r["synapse_bytes"] = job.synapse_bytes;
    r["bytes_per_synapse"] = job.synapses ? static_cast<double>(job.synapse_bytes) / static_cast<double>(job.synapses) : 0.0;
    r["peak_rss_mb"] = peak_rss_mb();  // rank 0's; per_rank has every rank's
    r["created_utc"] = prov.created_utc;
    r["command_line"] = prov.command_line;
    r["output_dir"] = c.output.dir;
    return r;
}

void print_summary(const config::simulation_config& c, const sim::simulation& s, const nlohmann::json& r,
                   const std::vector<analysis::population_statistics>& stats) {
    fmt::print("\n--- spikeforge simulation ---\n");
    if (s.ranks() > 1)
        fmt::print("Ranks x threads        : {} x {}\n", s.ranks(), s.threads());
    else
        fmt::print("Threads                : {}\n", s.threads());
    fmt::print("Number of Neurons      : {}\n", s.neuron_count());
    fmt::print("Number of Synapses     : {} ({:.1f} bytes each)\n", r["synapses"].get<std::uint64_t>(),
               r["bytes_per_synapse"].get<double>());
    fmt::print("Simulated time         : {:g} ms at dt = {:g} ms, seed {}\n", c.run.t_stop_ms, c.run.dt_ms, c.run.seed);
    for (const auto& p : c.network.populations) {
        if (p.model != "iaf_cond_exp" && p.model != "iaf_psc_exp") continue;
        for (const auto& proj : c.network.projections)
            if (proj.source == p.name && proj.weight.is_constant()) {
                const bool cond = c.network.find_population(proj.target) &&
                                  c.network.find_population(proj.target)->model == "iaf_cond_exp";
                fmt::print("{:<23}: {:g} {}\n", fmt::format("{} weight", p.name), proj.weight.value, cond ? "nS" : "pA");
                break;
            }
    }
    for (const auto& p : stats)
        fmt::print("{:<23}: {:.4g} Hz (CV of ISI {:.3g}, {} spikes)\n", fmt::format("{} rate", p.name), p.rate_hz, p.cv_isi, p.spikes);
    fmt::print("Delivered events       : {} ({:.3g} per s)\n", r["events"].get<std::uint64_t>(), r["events_per_s"].get<double>());
    fmt::print("Build time             : {:.4g} s\n", r["time_s"]["build"].get<double>());
    fmt::print("Simulation time        : {:.4g} s\n", r["time_s"]["simulate"].get<double>());
    fmt::print("Writing time           : {:.4g} s\n", r["time_s"]["write"].get<double>());
    fmt::print("Peak memory            : {:.1f} MB\n", r["peak_rss_mb"].get<double>());
    fmt::print("Output                 : {}/\n", c.output.dir);
}

// One rank's part of a run; rank 0 writes every output (one set of files for the job).
int simulate_job(const simulate_options& o, comm::communicator& world) {
    config::simulation_config c = resolve_config(o);
    const bool lead = world.rank() == 0;
    if (o.print_config) {
        if (lead) fmt::print("{}", config::to_toml(c));
        return 0;
    }
    const std::filesystem::path dir(c.output.dir);
    if (lead) io::check_writable_dir(dir.string());

    core::provenance prov;
    prov.version = core::version;
    prov.config_toml = config::to_toml(c);
    prov.seed = c.run.seed;
    prov.threads = c.run.threads;
    prov.ranks = world.size();
    prov.created_utc = core::utc_now_iso8601();
    prov.command_line = o.command_line;

    timings t;
    auto start = clock_type::now();
    const auto registry = models::builtin_registry();
    sim::simulation s(c.network, c.run, registry, &world);
    t.build = seconds_since(start);

    // Spikes go to the SONATA file and the online summary; units.nwb and state.h5 when asked.
    std::unique_ptr<io::sonata_spike_writer> sonata;
    std::unique_ptr<io::nwb_units_writer> nwb;
    analysis::spike_summary summary(std::max(0.0, c.run.t_stop_ms - 200.0), c.run.t_stop_ms);
    std::vector<core::spike_sink*> sinks;
    std::unique_ptr<io::state_report_writer> state;
    if (lead) {
        sonata = std::make_unique<io::sonata_spike_writer>((dir / "spikes.h5").string(), prov);
        sinks = {sonata.get(), &summary};
        if (c.output.nwb) {
            nwb = std::make_unique<io::nwb_units_writer>((dir / "units.nwb").string(), prov);
            sinks.push_back(nwb.get());
        }
        if (!c.run.probes.empty()) state = std::make_unique<io::state_report_writer>((dir / "state.h5").string(), prov);
    }
    core::spike_sink_fanout fanout(sinks);
    if (lead) s.attach_spike_sink(&fanout);
    if (state) s.attach_state_sink(state.get());
    s.set_progress(progress_printer(!o.quiet && lead));

    start = clock_type::now();
    s.run(c.run.t_stop_ms);
    t.simulate = seconds_since(start);
    const job_figures job = gather_job_figures(s, t, world);
    if (!lead) return 0;

    start = clock_type::now();
    fanout.finish();
    if (state) state->finish();
    io::write_text_atomically((dir / "config.toml").string(), provenance_comment(prov) + prov.config_toml);
    t.write = seconds_since(start);
    const auto stats = summary.statistics(c.run.t_stop_ms);
    nlohmann::json report = make_report(c, s, job, stats, t, prov);
    io::write_text_atomically((dir / "report.json").string(), report.dump(2) + "\n");
    if (!o.quiet) print_summary(c, s, report, stats);
    if (o.report) return report_after_simulation(dir, o.quiet);
    return 0;
}

int run_simulate(const simulate_options& o) {
    const std::unique_ptr<comm::communicator> world = comm::world();
    return run_as_job(*world, [&] { return simulate_job(o, *world); });
}

}  // namespace

command_runner add_simulate(CLI::App& app, int argc, char** argv) {
    auto o = std::make_shared<simulate_options>();
    for (int i = 0; i < argc; ++i) o->command_line += (i ? " " : "") + std::string(argv[i]);
    CLI::App* cmd = app.add_subcommand(
        "simulate", "Simulate a spiking network: a built-in model (default: Vogels-Abbott COBA) or a TOML config");
    cmd->footer(
        "Writes into DIR, each file atomically: spikes.h5 (SONATA spike report, times in ms), config.toml (the\n"
        "fully resolved config: run it again for the same spikes), report.json (counts, rates, CV, timings), and\n"
        "on request units.nwb (NWB units table, times in s) and state.h5 (sampled state). Flags override the\n"
        "config. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or config, 3 bad input data.\n"
        "Examples:\n"
        "  spikeforge simulate                                    # 4000 neurons, 1 s -> out/vogels-abbott\n"
        "  spikeforge simulate --variant cuba --n 10000 --threads 2 --record-v exc:0,1 --format nwb\n"
        "  spikeforge simulate --print-config > va.toml && spikeforge simulate va.toml --t-stop 2000");
    add_network_options(cmd, *o);
    cmd->add_option("--t-stop", o->t_stop, "simulated time [ms] (default 1000)");
    cmd->add_option("--dt", o->dt, "time step [ms] (default 0.1)");
    cmd->add_option("--seed", o->seed, "random seed: network, initial values and inputs (default 1)");
    cmd->add_option("--out", o->out, "output directory (default out/<model> or out/<config name>)");
    cmd->add_option("--format", o->formats, "extra output: nwb (units.nwb, spike times in s); sonata is always written");
    cmd->add_option("--record-v", o->record_v,
                    "record the membrane potential [mV] of POP:IDS[@INTERVAL_MS], e.g. exc:0,1 or inh:0-9@1.0 (every "
                    "step by default); repeatable; written to DIR/state.h5");
    cmd->add_flag("--print-config", o->print_config, "print the fully resolved config (TOML) and exit without running");
    cmd->add_flag("--quiet,-q", o->quiet, "no summary on stdout, no progress on stderr");
    cmd->add_flag("--report", o->report, "then run `spikeforge report` on the output: figures + report.json in DIR/figures");
    return [o] { return run_simulate(*o); };
}

}  // namespace sf::cli
