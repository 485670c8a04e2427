// Helpers to run one neuron (optionally driven by a spike source) and read its spikes and V.
#pragma once

#include "../sim/capture_sinks.hpp"
#include "models/builtin_registry.hpp"
#include "sim/simulation.hpp"

namespace sf::test {

struct single_neuron_result {
    std::vector<double> spike_times_ms;
    std::vector<std::pair<double, double>> v;  // (t [ms], V [mV]) every step
};

// One neuron of `model` with `params`; optional input spikes (times [ms]) through a synapse of
// weight `weight` and delay `delay_ms` onto `receptor`.
inline single_neuron_result run_single_neuron(const std::string& model, std::map<std::string, double> params, double t_ms,
                                              double dt_ms, std::vector<double> input_times = {}, double weight = 0,
                                              double delay_ms = 1.0, const std::string& receptor = "excitatory") {
    sim::network_spec net;
    net.populations.push_back({"neuron", model, 1, std::move(params), {}, {}, true});
    if (!input_times.empty()) {
        net.populations.push_back({"input", "spike_source_array", 1, {}, {}, {input_times}, true});
        sim::projection_spec p;
        p.source = "input";
        p.target = "neuron";
        p.receptor = receptor;
        p.connector.type = sim::connector_spec::rule::all_to_all;
        p.weight = sim::distribution::constant(weight);
        p.delay_ms = sim::distribution::constant(delay_ms);
        net.projections.push_back(p);
    }
    sim::run_spec run;
    run.dt_ms = dt_ms;
    run.probes = {{"neuron", "v", {0}, 0}};
    const auto registry = models::builtin_registry();
    sim::simulation s(net, run, registry);
    capture_spikes spikes;
    capture_state state;
    s.attach_spike_sink(&spikes);
    s.attach_state_sink(&state);
    s.run(t_ms);
    single_neuron_result r;
    r.spike_times_ms = spikes.times_of(0, 0);
    for (const auto& [t, values] : state.samples[0]) r.v.emplace_back(t, values[0]);
    return r;
}

}  // namespace sf::test
