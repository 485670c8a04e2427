#include "sim/memory_plan.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace sf::sim {

namespace {

double expected_synapses(const projection_spec& proj, double n_source, double n_target, bool same_population) {
    const auto& c = proj.connector;
    using rule = connector_spec::rule;
    const double pairs_per_target = same_population && !c.autapses ? n_source - 1 : n_source;
    switch (c.type) {
        case rule::all_to_all:
            return n_target * pairs_per_target;
        case rule::one_to_one:
            return n_target;
        case rule::fixed_probability:
            return c.p * n_target * pairs_per_target;
        case rule::fixed_indegree:
            return static_cast<double>(c.n) * n_target;
        case rule::fixed_total_number:
            return static_cast<double>(c.n);
        case rule::from_list:
            return static_cast<double>(proj.synapses.source.size());
    }
    return 0;
}

}  // namespace

network_size size_of(const network_spec& net) {
    network_size s;
    for (const auto& p : net.populations) s.neurons += p.size;
    for (const auto& proj : net.projections) {
        const population_spec* src = net.find_population(proj.source);
        const population_spec* tgt = net.find_population(proj.target);
        if (src == nullptr || tgt == nullptr)
            throw core::config_error(fmt::format("projection {} -> {}: no such population", proj.source, proj.target));
        const double n = expected_synapses(proj, src->size, tgt->size, proj.source == proj.target);
        const double bytes = 4.0 + (proj.weight.is_constant() ? 0.0 : 4.0) + (proj.delay_ms.is_constant() ? 0.0 : 2.0);
        s.synapses += n;
        s.synapse_value_bytes += n * bytes;
        s.offset_entries += static_cast<double>(src->size) + 1.0;
        if (proj.connector.type == connector_spec::rule::fixed_total_number) s.build_count_bytes += 4.0 * tgt->size;
    }
    return s;
}

rank_memory memory_per_rank(const network_size& size, double bytes_per_neuron, double base_bytes, int ranks, int threads) {
    if (ranks < 1 || threads < 1) throw core::config_error("--ranks and --threads must be >= 1");
    rank_memory m;
    m.synapses = size.synapse_value_bytes / ranks;
    m.offsets = static_cast<double>(threads) * size.offset_entries * 4.0;
    m.neurons = static_cast<double>(size.neurons) * bytes_per_neuron;
    m.base = base_bytes;
    m.build_scratch = size.build_count_bytes;
    return m;
}

}  // namespace sf::sim
