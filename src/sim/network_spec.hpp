// The user description of a network (STYLE.md 2): names, parameters with units, connection
// rules. It is validated once and lowered into the engine form by sf::sim::simulation.
// Engine units: ms, mV, pA, nS, pF, Hz.
#pragma once

#include "sim/distribution.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sf::sim {

struct population_spec {
    std::string name;
    std::string model;  // a registered model name, e.g. "iaf_cond_exp"
    std::uint32_t size = 0;
    std::map<std::string, double> params;          // overrides of the model's defaults (units per model)
    std::map<std::string, distribution> initial;   // initial state per field, e.g. "v"
    std::vector<std::vector<double>> spike_times_ms;  // spike_source_array only: one sorted list per neuron
    bool record_spikes = true;
    // Initial state given neuron by neuron (one value per neuron, field units), applied after
    // `initial`: for callers that draw values themselves (the PyNN backend's own RNGs).
    std::map<std::string, std::vector<double>> initial_values{};
};

struct connector_spec {
    // from_list: the synapses listed in projection_spec::synapses.
    enum class rule { all_to_all, one_to_one, fixed_probability, fixed_indegree, fixed_total_number, from_list };
    rule type = rule::fixed_probability;
    double p = 0.0;           // fixed_probability
    std::uint64_t n = 0;      // fixed_indegree (per target) or fixed_total_number (whole projection)
    bool autapses = false;    // a neuron may connect to itself (same source and target population only)
    bool multapses = false;   // a pair may be connected more than once (fixed_indegree / total_number)
};

// Explicit synapses (rule from_list), one entry per synapse, population-local indices. `weight`
// and `delay_ms` are either empty (the projection's distributions apply) or one per synapse.
struct synapse_spec_list {
    std::vector<std::uint32_t> source, target;
    std::vector<double> weight;    // nS or pA, as projection_spec::weight
    std::vector<double> delay_ms;  // ms, rounded to the grid, >= dt
};

struct projection_spec {
    std::string source;
    std::string target;
    std::string receptor = "excitatory";  // a receptor of the target model
    connector_spec connector;
    distribution weight = distribution::constant(0.0);    // nS (conductance models) or pA (current models)
    distribution delay_ms = distribution::constant(1.0);  // ms, rounded to the grid, >= dt
    synapse_spec_list synapses;  // from_list only
};

// Input applied directly to every neuron of a population (not through synapses).
struct stimulus_spec {
    enum class kind { poisson, dc };
    kind type = kind::poisson;
    std::string target;
    std::string receptor = "excitatory";  // poisson: which receptor receives the events
    double rate_hz = 0.0;       // poisson: rate of the independent train each neuron receives
    double weight = 0.0;        // poisson: weight of one event (receptor units)
    double amplitude_pa = 0.0;  // dc: injected current
    double start_ms = 0.0;      // active in [start, stop)
    double stop_ms = 1e300;
};

struct network_spec {
    std::vector<population_spec> populations;
    std::vector<projection_spec> projections;
    std::vector<stimulus_spec> stimuli;

    const population_spec* find_population(const std::string& name) const {
        for (const auto& p : populations)
            if (p.name == name) return &p;
        return nullptr;
    }
};

// A state variable to sample from some neurons of a population.
struct probe_spec {
    std::string population;
    std::string field = "v";
    std::vector<std::uint32_t> nodes;
    double interval_ms = 0.0;  // 0 = every step
};

struct run_spec {
    double dt_ms = 0.1;
    double t_stop_ms = 1000.0;
    std::uint64_t seed = 1;
    int threads = 1;
    std::vector<probe_spec> probes;
};

}  // namespace sf::sim
