#include "models/vogels_abbott.hpp"

#include "core/error.hpp"

#include <cmath>
#include <fmt/format.h>

namespace sf::models {

namespace {

struct variant_constants {
    const char* model;
    double e_l;          // [mV]
    double w_exc;        // [nS] or [pA]
    double w_inh;        // [nS] or [pA]
    double drive_rate;   // [Hz] default per-neuron drive
    double drive_weight; // [nS] or [pA]
};

variant_constants constants_of(const std::string& variant) {
    if (variant == "coba") return {"iaf_cond_exp", -60.0, 4.0, 51.0, 200.0, 4.0};
    if (variant == "cuba") return {"iaf_psc_exp", -49.0, 16.2, -90.0, 200.0, 16.2};
    throw core::config_error(fmt::format("model.variant: must be 'coba' or 'cuba' (got '{}')", variant));
}

sim::population_spec neuron_population(const std::string& name, std::uint32_t size, const variant_constants& c,
                                       bool coba) {
    sim::population_spec pop;
    pop.name = name;
    pop.model = c.model;
    pop.size = size;
    pop.params = {{"c_m", 200.0}, {"tau_m", 20.0}, {"e_l", c.e_l}, {"v_th", -50.0}, {"v_reset", -60.0},
                  {"t_ref", 5.0}, {"tau_syn_e", 5.0}, {"tau_syn_i", 10.0}};
    if (coba) {
        pop.params["e_rev_e"] = 0.0;
        pop.params["e_rev_i"] = -80.0;
    }
    pop.initial["v"] = sim::distribution::uniform(-60.0, -50.0);
    return pop;
}

sim::projection_spec random_projection(const std::string& source, const std::string& target, const std::string& receptor,
                                       double p, double weight, double delay_ms) {
    sim::projection_spec proj;
    proj.source = source;
    proj.target = target;
    proj.receptor = receptor;
    proj.connector.type = sim::connector_spec::rule::fixed_probability;
    proj.connector.p = p;
    proj.weight = sim::distribution::constant(weight);
    proj.delay_ms = sim::distribution::constant(delay_ms);
    return proj;
}

void check(bool ok, const std::string& message) {
    if (!ok) throw core::config_error(message);
}

}  // namespace

sim::network_spec build_vogels_abbott(const vogels_abbott_params& a) {
    const variant_constants c = constants_of(a.variant);
    const bool coba = a.variant == "coba";
    check(a.n >= 2, fmt::format("model.n: need at least 2 neurons (got {})", a.n));
    check(a.exc_fraction > 0 && a.exc_fraction < 1, fmt::format("model.exc_fraction: must be in (0, 1) (got {})", a.exc_fraction));
    check(a.pconn >= 0 && a.pconn <= 1, fmt::format("model.pconn: must be in [0, 1] (got {})", a.pconn));
    check(a.stimulus == "drive" || a.stimulus == "kick" || a.stimulus == "none",
          fmt::format("model.stimulus: must be 'drive', 'kick' or 'none' (got '{}')", a.stimulus));
    const auto n_exc = static_cast<std::uint32_t>(std::lround(a.n * a.exc_fraction));
    check(n_exc >= 1 && n_exc < a.n, fmt::format("model.exc_fraction: {} of {} neurons leaves a population empty", a.exc_fraction, a.n));

    sim::network_spec net;
    net.populations.push_back(neuron_population("exc", n_exc, c, coba));
    net.populations.push_back(neuron_population("inh", a.n - n_exc, c, coba));
    for (const char* target : {"exc", "inh"}) {
        net.projections.push_back(random_projection("exc", target, "excitatory", a.pconn, c.w_exc, a.delay_ms));
        net.projections.push_back(random_projection("inh", target, "inhibitory", a.pconn, c.w_inh, a.delay_ms));
    }
    if (a.stimulus == "drive") {
        for (const char* target : {"exc", "inh"}) {
            sim::stimulus_spec drive;
            drive.type = sim::stimulus_spec::kind::poisson;
            drive.target = target;
            drive.receptor = "excitatory";
            drive.rate_hz = a.drive_rate_hz > 0 ? a.drive_rate_hz : c.drive_rate;
            drive.weight = c.drive_weight;
            drive.start_ms = 0.0;
            drive.stop_ms = a.drive_ms;
            net.stimuli.push_back(drive);
        }
    } else if (a.stimulus == "kick") {
        check(a.kick_sources >= 1, "model.kick_sources: must be >= 1");
        sim::population_spec kick;
        kick.name = "stimulus";
        kick.model = "poisson_source";
        kick.size = a.kick_sources;
        kick.params = {{"rate_hz", a.kick_rate_hz}, {"start_ms", 0.0}, {"stop_ms", a.kick_ms}};
        net.populations.push_back(kick);
        for (const char* target : {"exc", "inh"})
            net.projections.push_back(random_projection("stimulus", target, "excitatory", a.kick_pconn, a.kick_weight, a.delay_ms));
    }
    return net;
}

}  // namespace sf::models
