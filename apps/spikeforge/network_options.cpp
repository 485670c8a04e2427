#include "network_options.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "cli_common.hpp"
#include "core/error.hpp"

namespace sf::cli {

namespace {

// Model-level flags only make sense where a builder expands them, and only for that builder.
void check_model_flags(const simulate_options& o, const std::string& model) {
    const bool va_flags = o.variant || o.stimulus || o.n || o.pconn;
    if (va_flags && model != "vogels-abbott")
        throw core::config_error("--variant/--n/--pconn/--stimulus apply to --model vogels-abbott");
    if (o.scale && model != "microcircuit" && model != "multi-area")
        throw core::config_error("--scale applies to --model microcircuit or multi-area");
    if (o.areas && model != "multi-area") throw core::config_error("--areas applies to --model multi-area");
    if (o.dc_input && model != "microcircuit") throw core::config_error("--dc-input applies to --model microcircuit");
}

void apply_model_flags(const simulate_options& o, config::simulation_config& c) {
    const bool model_flags = o.variant || o.stimulus || o.n || o.pconn || o.scale || o.areas || o.dc_input;
    if (!o.model.empty()) c.model = o.model;
    if (model_flags && !c.model)
        throw core::config_error("--variant/--n/--pconn/--stimulus/--scale/--areas/--dc-input apply to a built-in model "
                                 "(--model or [model] in the config); for an explicit network edit its "
                                 "[[population]]/[[projection]] tables");
    if (!c.model) return;
    check_model_flags(o, *c.model);
    auto& va = c.vogels_abbott;
    if (o.variant) va.variant = *o.variant;
    if (o.stimulus) va.stimulus = *o.stimulus;
    if (o.n) va.n = *o.n;
    if (o.pconn) va.pconn = *o.pconn;
    if (o.scale) c.microcircuit.n_scaling = c.microcircuit.k_scaling = c.multi_area.scale = *o.scale;
    if (o.dc_input) c.microcircuit.poisson_input = false;
    if (o.areas) c.multi_area.areas_simulated = split_commas(*o.areas);
}

}  // namespace

config::simulation_config resolve_config(const simulate_options& o) {
    config::simulation_config c;
    if (!o.config_path.empty()) {
        c = config::parse_file(o.config_path);
        if (!c.model && c.output.dir == "out")
            c.output.dir = "out/" + std::filesystem::path(o.config_path).stem().string();
    } else {
        c.model = o.model.empty() ? "vogels-abbott" : o.model;
        c.output.dir = "out/" + *c.model;
    }
    if (!o.model.empty() && o.model != "vogels-abbott" && o.model != "microcircuit" && o.model != "multi-area")
        throw core::config_error(
            fmt::format("--model: unknown built-in model '{}' (known: vogels-abbott, microcircuit, multi-area)", o.model));
    apply_model_flags(o, c);
    if (o.t_stop) c.run.t_stop_ms = *o.t_stop;
    if (o.dt) c.run.dt_ms = *o.dt;
    if (o.threads) c.run.threads = *o.threads;
    if (o.seed) c.run.seed = *o.seed;
    if (o.out) c.output.dir = *o.out;
    for (const auto& f : o.formats) {
        if (f == "nwb") c.output.nwb = true;
        else if (f != "sonata") throw core::config_error(fmt::format("--format: must be sonata or nwb (got '{}')", f));
    }
    for (const auto& r : o.record_v) c.run.probes.push_back(config::parse_record_option(r));
    config::expand_model(c);
    return c;
}

void add_network_options(CLI::App* cmd, simulate_options& options) {
    simulate_options* o = &options;  // CLI11 keeps these addresses: options outlives the parse
    cmd->add_option("config", o->config_path, "TOML config file (see docs/config.md); dump one with --print-config")
        ->check(CLI::ExistingFile);
    cmd->add_option("--model", o->model,
                    "built-in network: vogels-abbott (default when no config is given), microcircuit (Potjans & "
                    "Diesmann 2014, full scale), multi-area (Schmidt et al. 2018, scale 0.005)");
    cmd->add_option("--scale", o->scale, "microcircuit / multi-area: scale of N and K in (0, 1] (weights and DC compensated)");
    cmd->add_option("--areas", o->areas, "multi-area: areas to simulate, e.g. V1,V2,FEF (default all 32)");
    cmd->add_flag("--dc-input", o->dc_input, "microcircuit: DC current of the same mean instead of Poisson input");
    cmd->add_option("--variant", o->variant, "vogels-abbott variant: coba (iaf_cond_exp, default) or cuba (iaf_psc_exp)");
    cmd->add_option("--n", o->n, "vogels-abbott: number of neurons, 80 % excitatory (default 4000)");
    cmd->add_option("--pconn", o->pconn, "vogels-abbott: connection probability in [0, 1] (default 0.02)");
    cmd->add_option("--stimulus", o->stimulus,
                    "vogels-abbott kick-off: drive (default: every neuron gets its own 200 Hz Poisson train of "
                    "excitatory weight for the first 50 ms), kick (the seed notebook's 20 Poisson sources at 10 Hz for "
                    "50 ms, p 0.01, 100 nS) or none (random initial V only)");
    cmd->add_option("--threads", o->threads, "worker threads (results are identical for any count; default 1)");
}

}  // namespace sf::cli
