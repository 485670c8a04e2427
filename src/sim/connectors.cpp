#include "sim/connectors.hpp"

#include "core/error.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <unordered_set>

namespace sf::sim {

void validate_connector(const connector_context& ctx, const std::string& where) {
    using rule = connector_spec::rule;
    auto fail = [&](const std::string& rule_text) {
        throw core::config_error(fmt::format("{}.connector: {}", where, rule_text));
    };
    const std::uint64_t m = ctx.same_population && !ctx.spec.autapses ? (ctx.n_source == 0 ? 0 : ctx.n_source - 1) : ctx.n_source;
    switch (ctx.spec.type) {
        case rule::all_to_all: break;
        case rule::one_to_one:
            if (ctx.n_source != ctx.n_target)
                fail(fmt::format("one_to_one needs equal sizes (source {}, target {})", ctx.n_source, ctx.n_target));
            if (ctx.same_population && !ctx.spec.autapses) fail("one_to_one within one population needs autapses = true");
            break;
        case rule::fixed_probability:
            if (!(ctx.spec.p >= 0.0 && ctx.spec.p <= 1.0)) fail(fmt::format("p must be in [0, 1] (got {})", ctx.spec.p));
            break;
        case rule::fixed_indegree:
            if (ctx.spec.n > 0 && m == 0) fail("fixed_indegree needs at least one candidate source");
            if (!ctx.spec.multapses && ctx.spec.n > m)
                fail(fmt::format("fixed_indegree n = {} exceeds the {} candidate sources (allow multapses?)", ctx.spec.n, m));
            if (ctx.spec.n > 0xFFFFFFFFull) fail("fixed_indegree n must be < 2^32");
            break;
        case rule::from_list: break;  // checked by group_by_target()
        case rule::fixed_total_number:
            if (ctx.spec.n > 0 && (m == 0 || ctx.n_target == 0)) fail("fixed_total_number needs sources and targets");
            if (!ctx.spec.multapses && ctx.spec.n > m * ctx.n_target)
                fail(fmt::format("fixed_total_number n = {} exceeds the {} possible pairs (allow multapses?)", ctx.spec.n,
                                 m * ctx.n_target));
            break;
    }
}

listed_synapses group_by_target(const synapse_spec_list& list, std::uint32_t n_source, std::uint32_t n_target,
                                const std::string& where) {
    const std::size_t n = list.source.size();
    auto fail = [&](const std::string& text) { throw core::config_error(fmt::format("{}.synapses: {}", where, text)); };
    if (list.target.size() != n) fail(fmt::format("{} sources but {} targets", n, list.target.size()));
    if (!list.weight.empty() && list.weight.size() != n) fail(fmt::format("{} synapses but {} weights", n, list.weight.size()));
    if (!list.delay_ms.empty() && list.delay_ms.size() != n)
        fail(fmt::format("{} synapses but {} delays", n, list.delay_ms.size()));
    listed_synapses out;
    out.offsets.assign(std::size_t{n_target} + 1, 0);
    for (std::size_t k = 0; k < n; ++k) {
        if (list.source[k] >= n_source)
            fail(fmt::format("synapse {}: source {} out of range (population has {})", k, list.source[k], n_source));
        if (list.target[k] >= n_target)
            fail(fmt::format("synapse {}: target {} out of range (population has {})", k, list.target[k], n_target));
        ++out.offsets[list.target[k] + 1];
    }
    for (std::uint32_t t = 0; t < n_target; ++t) out.offsets[t + 1] += out.offsets[t];
    // Counting sort by target: stable, so a target's synapses keep the list's order.
    std::vector<std::uint64_t> next(out.offsets.begin(), out.offsets.end() - 1);
    out.source.resize(n);
    if (!list.weight.empty()) out.weight.resize(n);
    if (!list.delay_ms.empty()) out.delay_ms.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        const auto slot = next[list.target[k]]++;
        out.source[slot] = list.source[k];
        if (!list.weight.empty()) out.weight[slot] = list.weight[k];
        if (!list.delay_ms.empty()) out.delay_ms[slot] = list.delay_ms[k];
    }
    return out;
}

std::vector<std::uint32_t> totals_per_target(const connector_context& ctx) {
    std::vector<std::uint32_t> counts(ctx.n_target, 0);
    core::rng_stream rng(ctx.seed, {core::stream_purpose::projection_totals, ctx.projection, 0});
    std::uint64_t remaining = ctx.spec.n;
    const std::uint32_t m = ctx.candidates();
    for (std::uint32_t t = 0; t < ctx.n_target && remaining > 0; ++t) {
        const double p = 1.0 / static_cast<double>(ctx.n_target - t);
        std::uint64_t c = t + 1 == ctx.n_target ? remaining : rng.binomial(remaining, p);
        counts[t] = static_cast<std::uint32_t>(c);
        remaining -= c;
    }
    if (!ctx.spec.multapses) {
        // Without multapses a target cannot take more than its candidates: say so clearly.
        for (std::uint32_t t = 0; t < ctx.n_target; ++t)
            if (counts[t] > m)
                throw core::config_error(fmt::format(
                    "projection {}: fixed_total_number drew {} synapses for a target with {} candidate sources; allow multapses",
                    ctx.projection, counts[t], m));
    }
    return counts;
}

void sample_distinct(core::rng_stream& rng, std::uint32_t n, std::uint32_t k, std::vector<std::uint32_t>& out) {
    out.clear();
    if (k == 0) return;
    if (static_cast<std::uint64_t>(k) * 4 >= n) {
        // Selection sampling (Knuth's algorithm S): one pass, output already ascending.
        std::uint32_t needed = k;
        for (std::uint32_t i = 0; i < n && needed > 0; ++i) {
            if (rng.uniform() * static_cast<double>(n - i) < static_cast<double>(needed)) {
                out.push_back(i);
                --needed;
            }
        }
        return;
    }
    // Floyd's algorithm: k draws, each adding exactly one new element.
    std::unordered_set<std::uint32_t> chosen;
    chosen.reserve(k * 2);
    for (std::uint32_t j = n - k; j < n; ++j) {
        auto r = static_cast<std::uint32_t>(rng.below(static_cast<std::uint64_t>(j) + 1));
        chosen.insert(chosen.count(r) ? j : r);
    }
    out.assign(chosen.begin(), chosen.end());
    std::sort(out.begin(), out.end());
}

}  // namespace sf::sim
