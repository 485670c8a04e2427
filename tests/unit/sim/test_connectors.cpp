// Connection rules: in-degree statistics against the binomial/multinomial closed forms, and the
// structural promises (no autapses, no multapses, exact counts).
#include "core/error.hpp"
#include "sim/connectors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

using namespace sf::sim;

namespace {

connector_context make_context(connector_spec::rule rule, std::uint32_t n_source, std::uint32_t n_target, bool same) {
    connector_context ctx;
    ctx.spec.type = rule;
    ctx.n_source = n_source;
    ctx.n_target = n_target;
    ctx.same_population = same;
    ctx.seed = 1234;
    ctx.projection = 2;
    return ctx;
}

std::vector<std::vector<std::uint32_t>> sources_of_all(const connector_context& ctx) {
    std::vector<std::vector<std::uint32_t>> all(ctx.n_target);
    std::vector<std::uint32_t> scratch;
    for (std::uint32_t t = 0; t < ctx.n_target; ++t)
        for_each_source(ctx, t, scratch, [&](std::uint32_t s) { all[t].push_back(s); });
    return all;
}

void expect_moments(const std::vector<std::vector<std::uint32_t>>& all, double mean, double var) {
    double sum = 0, sum2 = 0;
    for (const auto& s : all) {
        sum += static_cast<double>(s.size());
        sum2 += static_cast<double>(s.size() * s.size());
    }
    const double n = static_cast<double>(all.size());
    const double m = sum / n, v = sum2 / n - m * m;
    EXPECT_NEAR(m, mean, 5 * std::sqrt(var / n) + 1e-9);
    if (var > 0) EXPECT_NEAR(v / var, 1.0, 0.12);
    else EXPECT_NEAR(v, 0.0, 1e-9);
}

}  // namespace

TEST(fixed_probability, indegree_is_binomial_without_autapses_or_multapses) {
    auto ctx = make_context(connector_spec::rule::fixed_probability, 2000, 2000, true);
    ctx.spec.p = 0.05;
    const auto all = sources_of_all(ctx);
    const double m = 1999;  // candidates: everyone but the target itself
    expect_moments(all, m * 0.05, m * 0.05 * 0.95);
    for (std::uint32_t t = 0; t < all.size(); ++t) {
        std::set<std::uint32_t> unique(all[t].begin(), all[t].end());
        EXPECT_EQ(unique.size(), all[t].size());
        EXPECT_EQ(unique.count(t), 0u);
        for (auto s : all[t]) EXPECT_LT(s, 2000u);
    }
}

TEST(fixed_probability, extremes) {
    auto ctx = make_context(connector_spec::rule::fixed_probability, 50, 10, false);
    ctx.spec.p = 1.0;
    for (const auto& s : sources_of_all(ctx)) EXPECT_EQ(s.size(), 50u);
    ctx.spec.p = 0.0;
    for (const auto& s : sources_of_all(ctx)) EXPECT_TRUE(s.empty());
}

TEST(fixed_indegree, exact_count_distinct_sources) {
    auto ctx = make_context(connector_spec::rule::fixed_indegree, 300, 400, true);
    for (std::uint64_t k : {5ull, 200ull}) {  // Floyd and selection sampling
        ctx.spec.n = k;
        const auto all = sources_of_all(ctx);
        std::vector<double> per_source(300, 0);
        for (std::uint32_t t = 0; t < all.size(); ++t) {
            ASSERT_EQ(all[t].size(), k);
            std::set<std::uint32_t> unique(all[t].begin(), all[t].end());
            EXPECT_EQ(unique.size(), k);
            EXPECT_EQ(unique.count(t), 0u);
            for (auto s : all[t]) per_source[s] += 1;
        }
        // Out-degree is hypergeometric-like with mean 400 k / 299 (target 300..399 can choose all).
        const double mean = std::accumulate(per_source.begin(), per_source.end(), 0.0) / 300;
        EXPECT_NEAR(mean, 400.0 * static_cast<double>(k) / 300.0, 1e-9);
    }
}

TEST(fixed_indegree, multapses_allowed_draws_with_replacement) {
    auto ctx = make_context(connector_spec::rule::fixed_indegree, 3, 1000, false);
    ctx.spec.n = 10;
    ctx.spec.multapses = true;
    const auto all = sources_of_all(ctx);
    std::size_t with_repeats = 0;
    for (const auto& s : all) {
        ASSERT_EQ(s.size(), 10u);
        with_repeats += std::set<std::uint32_t>(s.begin(), s.end()).size() < s.size();
    }
    EXPECT_EQ(with_repeats, all.size());  // 10 draws from 3 sources must repeat
}

TEST(fixed_total_number, total_is_exact_and_counts_are_multinomial) {
    auto ctx = make_context(connector_spec::rule::fixed_total_number, 500, 2000, false);
    ctx.spec.n = 100000;
    ctx.spec.multapses = true;
    const auto counts = totals_per_target(ctx);
    ctx.per_target_counts = &counts;
    const auto all = sources_of_all(ctx);
    std::uint64_t total = 0;
    for (const auto& s : all) total += s.size();
    EXPECT_EQ(total, 100000u);
    const double p = 1.0 / 2000;
    expect_moments(all, 100000 * p, 100000 * p * (1 - p));
}

TEST(all_to_all_and_one_to_one, structure) {
    auto ctx = make_context(connector_spec::rule::all_to_all, 20, 20, true);
    auto all = sources_of_all(ctx);
    for (std::uint32_t t = 0; t < 20; ++t) {
        EXPECT_EQ(all[t].size(), 19u);
        EXPECT_EQ(std::count(all[t].begin(), all[t].end(), t), 0);
    }
    ctx.spec.autapses = true;
    for (const auto& s : sources_of_all(ctx)) EXPECT_EQ(s.size(), 20u);
    ctx = make_context(connector_spec::rule::one_to_one, 20, 20, false);
    all = sources_of_all(ctx);
    for (std::uint32_t t = 0; t < 20; ++t) EXPECT_EQ(all[t], std::vector<std::uint32_t>{t});
}

TEST(validate_connector, rejects_impossible_rules_with_the_key) {
    auto ctx = make_context(connector_spec::rule::fixed_probability, 10, 10, false);
    ctx.spec.p = 1.5;
    try {
        validate_connector(ctx, "projection[0]");
        FAIL();
    } catch (const sf::core::config_error& e) {
        EXPECT_STREQ(e.what(), "projection[0].connector: p must be in [0, 1] (got 1.5)");
    }
    ctx = make_context(connector_spec::rule::fixed_indegree, 10, 10, true);
    ctx.spec.n = 10;  // only 9 candidates without autapses
    EXPECT_THROW(validate_connector(ctx, "p"), sf::core::config_error);
    ctx = make_context(connector_spec::rule::one_to_one, 10, 11, false);
    EXPECT_THROW(validate_connector(ctx, "p"), sf::core::config_error);
}

// --- from_list (issue 9: explicit synapses from Python / PyNN) -------------------------------

TEST(from_list, groups_by_target_keeping_list_order_and_checks_ranges) {
    sf::sim::synapse_spec_list list;
    list.source = {2, 0, 1, 2};
    list.target = {1, 0, 1, 0};
    list.weight = {1.0, 2.0, 3.0, 4.0};
    const auto g = sf::sim::group_by_target(list, 3, 2, "p");
    EXPECT_EQ(g.offsets, (std::vector<std::uint64_t>{0, 2, 4}));
    EXPECT_EQ(g.source, (std::vector<std::uint32_t>{0, 2, 2, 1}));
    EXPECT_EQ(g.weight, (std::vector<double>{2.0, 4.0, 1.0, 3.0}));
    EXPECT_TRUE(g.delay_ms.empty());
    list.target[3] = 2;
    try {
        sf::sim::group_by_target(list, 3, 2, "p");
        FAIL() << "expected config_error";
    } catch (const sf::core::config_error& e) {
        EXPECT_STREQ(e.what(), "p.synapses: synapse 3: target 2 out of range (population has 2)");
    }
    list.target[3] = 0;
    list.weight.pop_back();
    EXPECT_THROW(sf::sim::group_by_target(list, 3, 2, "p"), sf::core::config_error);
}
