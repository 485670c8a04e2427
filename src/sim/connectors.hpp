// Connection rules, generated per TARGET neuron from its own counter-based stream keyed by
// (seed, projection, target gid): which sources a target receives from never depends on the
// thread or rank that builds it (DESIGN.md §3).
#pragma once

#include "core/rng.hpp"
#include "sim/network_spec.hpp"

#include <cmath>
#include <cstdint>
#include <vector>

namespace sf::sim {

// from_list: the listed synapses grouped by target, list order kept within a target.
struct listed_synapses {
    std::vector<std::uint64_t> offsets;  // n_target + 1: target t's synapses are [offsets[t], offsets[t+1])
    std::vector<std::uint32_t> source;   // per grouped synapse
    std::vector<double> weight;          // per grouped synapse; empty: the projection's distribution
    std::vector<double> delay_ms;        // per grouped synapse; empty: the projection's distribution
};

// Groups `list` by target after checking it (indices in range, one weight/delay per synapse or
// none); throws config_error naming `where`.
listed_synapses group_by_target(const synapse_spec_list& list, std::uint32_t n_source, std::uint32_t n_target,
                                const std::string& where);

// Everything the rules need to know about one projection.
struct connector_context {
    connector_spec spec;
    std::uint32_t n_source = 0;
    std::uint32_t n_target = 0;
    bool same_population = false;  // autapses only exist when source and target are one population
    std::uint64_t seed = 0;
    std::uint32_t projection = 0;        // index, part of the stream key
    std::uint32_t target_first_gid = 0;  // gid of the target population's neuron 0
    // fixed_total_number: the number of synapses each target receives (from totals_per_target()).
    const std::vector<std::uint32_t>* per_target_counts = nullptr;
    // from_list: the synapses, grouped by target.
    const listed_synapses* listed = nullptr;

    // Sources a target may receive from: all, or all but itself when autapses are excluded.
    std::uint32_t candidates() const { return same_population && !spec.autapses ? n_source - 1 : n_source; }
    // Candidate index c -> source index, skipping the target itself.
    std::uint32_t source_of(std::uint32_t c, std::uint32_t target) const {
        return same_population && !spec.autapses && c >= target ? c + 1 : c;
    }
};

// Throws config_error (naming `where`) when the rule cannot be satisfied for these sizes.
void validate_connector(const connector_context& ctx, const std::string& where);

// fixed_total_number: multinomial split of spec.n synapses over the targets (equal
// probabilities), drawn from one stream by sequential conditional binomials: every thread or
// rank computes the same vector.
std::vector<std::uint32_t> totals_per_target(const connector_context& ctx);

// Draws k distinct candidate indices in [0, n), ascending (Floyd's algorithm for sparse k,
// selection sampling for dense k).
void sample_distinct(core::rng_stream& rng, std::uint32_t n, std::uint32_t k, std::vector<std::uint32_t>& out);

// Calls emit(source_index) once per synapse onto `target` (population-local), in a fixed order.
// `scratch` avoids allocations across calls.
template <class Emit>
void for_each_source(const connector_context& ctx, std::uint32_t target, std::vector<std::uint32_t>& scratch,
                     Emit&& emit) {
    using rule = connector_spec::rule;
    const std::uint32_t m = ctx.candidates();
    core::rng_stream rng(ctx.seed, {core::stream_purpose::connectivity, ctx.projection, ctx.target_first_gid + target});
    switch (ctx.spec.type) {
        case rule::all_to_all:
            for (std::uint32_t c = 0; c < m; ++c) emit(ctx.source_of(c, target));
            return;
        case rule::one_to_one:
            emit(target);
            return;
        case rule::fixed_probability: {
            if (ctx.spec.p <= 0.0 || m == 0) return;
            if (ctx.spec.p >= 1.0) {
                for (std::uint32_t c = 0; c < m; ++c) emit(ctx.source_of(c, target));
                return;
            }
            // Geometric skipping: the gaps between Bernoulli(p) successes are geometric, so the
            // cost is proportional to the synapses made, not to the candidates.
            const double log1m_p = std::log1p(-ctx.spec.p);
            std::uint64_t c = rng.geometric(log1m_p);
            while (c < m) {
                emit(ctx.source_of(static_cast<std::uint32_t>(c), target));
                c += 1 + rng.geometric(log1m_p);
            }
            return;
        }
        case rule::from_list:
            for (auto k = ctx.listed->offsets[target]; k < ctx.listed->offsets[target + 1]; ++k) emit(ctx.listed->source[k]);
            return;
        case rule::fixed_indegree:
        case rule::fixed_total_number: {
            const auto k = ctx.spec.type == rule::fixed_indegree ? static_cast<std::uint32_t>(ctx.spec.n)
                                                                 : (*ctx.per_target_counts)[target];
            if (ctx.spec.multapses) {
                for (std::uint32_t j = 0; j < k; ++j) emit(ctx.source_of(static_cast<std::uint32_t>(rng.below(m)), target));
            } else {
                sample_distinct(rng, m, k, scratch);
                for (auto c : scratch) emit(ctx.source_of(c, target));
            }
            return;
        }
    }
}

}  // namespace sf::sim
