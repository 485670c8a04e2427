// Known answers for analysis/statistics.hpp: closed forms for regular, alternating and Poisson
// trains, hand-counted bins for Fano / synchrony / population rate, and the window and binning
// edge rules the header states.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "analysis/statistics.hpp"
#include "core/error.hpp"

namespace sa = sf::analysis;
using sf::core::spike_dataset;

namespace {

// A dataset from per-unit spike times [ms], units grouped as populations {name: count}.
spike_dataset make_dataset(const std::vector<std::vector<double>>& trains,
                           const std::vector<std::pair<std::string, std::uint32_t>>& populations, double t_start_ms,
                           double t_stop_ms) {
    spike_dataset d;
    for (const auto& [name, n] : populations) d.units.add_population(name, n);
    d.spikes.unit_count = static_cast<std::uint32_t>(d.units.size());
    for (std::uint32_t u = 0; u < trains.size(); ++u)
        for (double t : trains[u]) {
            d.spikes.t_ms.push_back(t);
            d.spikes.unit.push_back(u);
        }
    d.spikes.sort();
    d.spikes.t_start_ms = t_start_ms;
    d.spikes.t_stop_ms = t_stop_ms;
    d.format = "test";
    return d;
}

std::vector<double> regular_train(double first_ms, double isi_ms, std::size_t n) {
    std::vector<double> t;
    for (std::size_t i = 0; i < n; ++i) t.push_back(first_ms + static_cast<double>(i) * isi_ms);
    return t;
}

// Homogeneous Poisson train: exponential ISIs of mean 1000 / rate_hz ms.
std::vector<double> poisson_train(double rate_hz, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 gen(seed);
    std::exponential_distribution<double> isi(rate_hz / 1000.0);
    std::vector<double> t;
    double now = 0;
    for (std::size_t i = 0; i < n; ++i) t.push_back(now += isi(gen));
    return t;
}

sa::stats_options no_smoothing() {
    sa::stats_options o;
    o.rate_kernel_sigma_ms = 0;
    return o;
}

}  // namespace

TEST(statistics_single_train, regular_train_has_cv_and_lvr_zero) {
    const auto t = regular_train(5.0, 25.0, 200);
    EXPECT_NEAR(sa::cv_isi(t), 0.0, 1e-12);
    // Equal neighbours make every LvR term (1 - 4 I^2 / (2I)^2) vanish, whatever R is.
    EXPECT_NEAR(sa::lvr(t, 2.0), 0.0, 1e-12);
    EXPECT_NEAR(sa::lvr(t, 0.0), 0.0, 1e-12);
}

TEST(statistics_single_train, alternating_isis_give_the_closed_form) {
    // ISIs 10, 30, 10, 30, ...: every term ((a-b)/(a+b))^2 (1 + 4R/(a+b)) = 0.25 * 1.2 = 0.3.
    std::vector<double> t{0.0};
    for (int i = 0; i < 100; ++i) t.push_back(t.back() + (i % 2 ? 30.0 : 10.0));
    EXPECT_NEAR(sa::lvr(t, 2.0), 3 * 0.3, 1e-12);
    EXPECT_NEAR(sa::lvr(t, 0.0), 3 * 0.25, 1e-12);
    // mean 20, population sd 10
    EXPECT_NEAR(sa::cv_isi(t), 0.5, 1e-12);
}

TEST(statistics_single_train, fewer_than_three_spikes_are_undefined) {
    EXPECT_TRUE(std::isnan(sa::cv_isi({1.0, 2.0})));
    EXPECT_TRUE(std::isnan(sa::lvr({1.0, 2.0}, 2.0)));
    EXPECT_TRUE(std::isnan(sa::cv_isi({})));
}

TEST(statistics_single_train, poisson_train_has_cv_one_and_lvr_one_plus_4_r_rate) {
    // For exponential ISIs, U = I_i / (I_i + I_{i+1}) is uniform and independent of the sum S,
    // so E[term] = E[1 - 4U(1-U)] (1 + 4R E[1/S]) = (1/3)(1 + 4 R rate): E[LvR] = 1 + 4 R rate.
    // 10 Hz, R = 2 ms: 1.08. With 2e5 ISIs the estimates' sd is below 0.005; tolerance 0.02.
    const auto t = poisson_train(10.0, 200000, 7);
    EXPECT_NEAR(sa::cv_isi(t), 1.0, 0.02);
    EXPECT_NEAR(sa::lvr(t, 2.0), 1.08, 0.02);
    EXPECT_NEAR(sa::lvr(t, 0.0), 1.0, 0.02);
}

TEST(statistics_single_train, poisson_with_dead_time_r_has_lvr_near_one) {
    // Shinomoto et al. 2009 built R into LvR so that a Poisson process with a refractory period
    // R reads ~1. ISIs R + Exp(mean 100 ms), R = 2 ms; CV is then 100 / 102.
    std::mt19937_64 gen(11);
    std::exponential_distribution<double> isi(1.0 / 100.0);
    std::vector<double> t{0.0};
    for (int i = 0; i < 200000; ++i) t.push_back(t.back() + 2.0 + isi(gen));
    EXPECT_NEAR(sa::lvr(t, 2.0), 1.0, 0.02);
    EXPECT_NEAR(sa::cv_isi(t), 100.0 / 102.0, 0.02);
}

TEST(statistics, streaming_per_unit_values_equal_the_single_train_functions) {
    std::vector<std::vector<double>> trains;
    for (std::uint64_t u = 0; u < 5; ++u) trains.push_back(poisson_train(20.0 + 5.0 * u, 300, 100 + u));
    trains.push_back({});          // silent
    trains.push_back({3.0, 9.0});  // too few spikes for CV / LvR
    const double t_stop = 1e6;
    const auto d = make_dataset(trains, {{"a", 7}}, 0.0, t_stop);
    const auto v = sa::per_unit_values(d, no_smoothing());
    ASSERT_EQ(v.size(), 1u);
    ASSERT_EQ(v[0].rate_hz.size(), 7u);
    for (std::size_t u = 0; u < 5; ++u) {
        EXPECT_NEAR(v[0].cv_isi[u], sa::cv_isi(trains[u]), 1e-12);
        EXPECT_NEAR(v[0].lvr[u], sa::lvr(trains[u], 2.0), 1e-12);
        EXPECT_DOUBLE_EQ(v[0].rate_hz[u], 300.0 / (t_stop / 1000.0));
    }
    EXPECT_EQ(v[0].rate_hz[5], 0.0);
    EXPECT_TRUE(std::isnan(v[0].cv_isi[5]) && std::isnan(v[0].fano[5]));
    EXPECT_TRUE(std::isnan(v[0].cv_isi[6]) && std::isnan(v[0].lvr[6]));
    EXPECT_FALSE(std::isnan(v[0].fano[6]));
}

TEST(statistics, rates_quartiles_and_population_means) {
    // Window [0, 1000] ms: counts 0, 1, 2, 3, 10 -> rates 0, 1, 2, 3, 10 Hz.
    std::vector<std::vector<double>> trains{{}, {500}, {100, 900}, {100, 200, 300}, regular_train(50, 100, 10)};
    const auto d = make_dataset(trains, {{"p", 5}}, 0.0, 1000.0);
    const auto s = sa::compute_statistics(d, no_smoothing());
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].name, "p");
    EXPECT_EQ(s[0].units, 5u);
    EXPECT_EQ(s[0].active_units, 4u);
    EXPECT_EQ(s[0].spikes, 16u);
    EXPECT_DOUBLE_EQ(s[0].mean_rate_hz, 16.0 / 5.0);
    // numpy.percentile([0, 1, 2, 3, 10], [25, 50, 75]) = 1, 2, 3
    EXPECT_DOUBLE_EQ(s[0].rate_q1_hz, 1.0);
    EXPECT_DOUBLE_EQ(s[0].rate_median_hz, 2.0);
    EXPECT_DOUBLE_EQ(s[0].rate_q3_hz, 3.0);
    // CV / LvR: units 3 (regular, 100 ms) and 4 (regular) qualify, both 0.
    EXPECT_EQ(s[0].cv_units, 2u);
    EXPECT_NEAR(s[0].cv_isi, 0.0, 1e-12);
    EXPECT_NEAR(s[0].lvr, 0.0, 1e-12);
}

TEST(statistics, percentile_matches_numpy_linear) {
    EXPECT_DOUBLE_EQ(sa::percentile_linear({4, 1, 3, 2}, 25), 1.75);
    EXPECT_DOUBLE_EQ(sa::percentile_linear({4, 1, 3, 2}, 50), 2.5);
    EXPECT_DOUBLE_EQ(sa::percentile_linear({4, 1, 3, 2}, 75), 3.25);
    EXPECT_DOUBLE_EQ(sa::percentile_linear({7}, 25), 7.0);
    EXPECT_DOUBLE_EQ(sa::percentile_linear({1, 2}, 100), 2.0);
    EXPECT_TRUE(std::isnan(sa::percentile_linear({}, 50)));
}

TEST(statistics, fano_factor_from_hand_counted_bins) {
    // Window [0, 400], 100 ms bins; counts 1, 3, 0, 2: mean 1.5, var 1.25 -> F = 5/6.
    // The spike at 400 ms (right edge) belongs to the last bin.
    std::vector<std::vector<double>> trains{{50, 110, 120, 130, 350, 400}};
    const auto d = make_dataset(trains, {{"p", 1}}, 0.0, 400.0);
    auto o = no_smoothing();
    o.fano_bin_ms = 100.0;
    const auto s = sa::compute_statistics(d, o);
    EXPECT_NEAR(s[0].fano, 1.25 / 1.5, 1e-15);
    EXPECT_EQ(s[0].fano_units, 1u);
}

TEST(statistics, bins_cover_only_full_bins_and_the_window) {
    // Window [100, 350] ms, 100 ms bins: 2 full bins [100, 200) and [200, 300); spikes before 100,
    // after 350 or in the partial bin [300, 350] are not binned. Counts 2, 1 -> F = (0.25) / 1.5.
    std::vector<std::vector<double>> trains{{50, 100, 150, 250, 320, 360}};
    const auto d = make_dataset(trains, {{"p", 1}}, 0.0, 1000.0);
    auto o = no_smoothing();
    o.t_start_ms = 100;
    o.t_stop_ms = 350;
    o.fano_bin_ms = 100;
    o.rate_bin_ms = 100;
    const auto r = sa::analyse(d, o);
    EXPECT_EQ(r.populations[0].spikes, 4u);  // 100, 150, 250, 320
    EXPECT_NEAR(r.populations[0].fano, 0.25 / 1.5, 1e-15);
    ASSERT_EQ(r.rates[0].rate_hz.size(), 2u);
    EXPECT_DOUBLE_EQ(r.rates[0].t_ms[0], 150.0);
    EXPECT_DOUBLE_EQ(r.rates[0].rate_hz[0], 2 / 0.1);
    EXPECT_DOUBLE_EQ(r.rates[0].rate_hz[1], 1 / 0.1);
    EXPECT_DOUBLE_EQ(r.units[0].rate_hz[0], 4 / 0.25);
}

TEST(statistics, synchrony_is_variance_over_mean_of_population_counts) {
    // Window [0, 4] ms, 1 ms bins; population counts 3, 0, 1, 0 (two units): mean 1, var 1.5.
    std::vector<std::vector<double>> trains{{0.2, 0.5, 2.5}, {0.7}};
    const auto d = make_dataset(trains, {{"p", 2}}, 0.0, 4.0);
    const auto s = sa::compute_statistics(d, no_smoothing());
    EXPECT_NEAR(s[0].synchrony, 1.5, 1e-15);
    EXPECT_NEAR(s[0].synchrony_cv, std::sqrt(1.5), 1e-15);
}

TEST(statistics, population_rate_is_counts_over_units_and_bin) {
    std::vector<std::vector<double>> trains{{0.5, 1.5, 1.6}, {1.7}, {}, {}};
    const auto d = make_dataset(trains, {{"p", 4}}, 0.0, 3.0);
    const auto r = sa::population_rates(d, no_smoothing());
    ASSERT_EQ(r[0].rate_hz.size(), 3u);
    // 1 ms bins, 4 units: 1 spike -> 250 Hz
    EXPECT_DOUBLE_EQ(r[0].rate_hz[0], 250.0);
    EXPECT_DOUBLE_EQ(r[0].rate_hz[1], 750.0);
    EXPECT_DOUBLE_EQ(r[0].rate_hz[2], 0.0);
    EXPECT_EQ(r[0].smoothed_hz, r[0].rate_hz);  // sigma 0: no smoothing
    EXPECT_DOUBLE_EQ(r[0].t_ms[2], 2.5);
}

TEST(statistics, gaussian_smoothing_keeps_constants_and_mass) {
    const std::vector<double> flat(50, 7.0);
    for (double v : sa::gaussian_smooth(flat, 1.0, 5.0)) EXPECT_NEAR(v, 7.0, 1e-12);  // edges renormalised
    std::vector<double> impulse(201, 0.0);
    impulse[100] = 1.0;
    const auto g = sa::gaussian_smooth(impulse, 1.0, 5.0);
    double mass = 0;
    for (double v : g) mass += v;
    EXPECT_NEAR(mass, 1.0, 1e-12);  // far from the edges: a normalised kernel
    EXPECT_NEAR(g[105] / g[100], std::exp(-0.5), 1e-12);
    EXPECT_EQ(g[100 + 21], 0.0);  // truncated at 4 sigma = 20 bins
    EXPECT_GT(g[100 + 20], 0.0);
}

TEST(statistics, correlation_of_identical_and_opposite_units) {
    // 10 ms bins over [0, 100]: units 0 and 1 fire in the same bins (r = 1), unit 2 in the
    // others (r = -1 with both), unit 3 once per bin (zero variance: pairs with it are skipped).
    std::vector<std::vector<double>> trains(4);
    for (int k = 0; k < 10; ++k) {
        auto& t = trains[k % 2 ? 2 : 0];
        t.push_back(10.0 * k + 1);
        if (k % 2 == 0) trains[1].push_back(10.0 * k + 2);
        trains[3].push_back(10.0 * k + 5);
    }
    const auto d = make_dataset(trains, {{"p", 4}}, 0.0, 100.0);
    auto o = no_smoothing();
    o.correlation_pairs = 100;  // more than the 6 possible pairs: all are used
    const auto r = sa::analyse(d, o);
    const auto& s = r.populations[0];
    EXPECT_EQ(s.sampled_pairs.size(), 6u);
    EXPECT_EQ(s.correlation_pairs, 3u);
    EXPECT_EQ(s.correlation_pairs_skipped, 3u);
    ASSERT_EQ(r.units[0].correlations.size(), 3u);
    EXPECT_NEAR(r.units[0].correlations[0], 1.0, 1e-15);   // (0, 1)
    EXPECT_NEAR(r.units[0].correlations[1], -1.0, 1e-15);  // (0, 2)
    EXPECT_NEAR(r.units[0].correlations[2], -1.0, 1e-15);  // (1, 2)
    EXPECT_NEAR(s.correlation, -1.0 / 3.0, 1e-15);
}

TEST(statistics, pair_sampling_is_deterministic_distinct_and_uniform_enough) {
    std::vector<std::uint32_t> members;
    for (std::uint32_t u = 10; u < 60; ++u) members.push_back(u);  // 1225 pairs
    const auto a = sa::sample_pairs(members, 200, 5), b = sa::sample_pairs(members, 200, 5);
    EXPECT_EQ(a, b);
    EXPECT_NE(a, sa::sample_pairs(members, 200, 6));
    std::set<std::array<std::uint32_t, 2>> distinct(a.begin(), a.end());
    EXPECT_EQ(distinct.size(), 200u);
    for (const auto& p : a) {
        EXPECT_LT(p[0], p[1]);
        EXPECT_GE(p[0], 10u);
        EXPECT_LT(p[1], 60u);
    }
    // All pairs when they are few enough, in member order.
    const auto all = sa::sample_pairs({3, 1, 2}, 3, 1);
    const std::vector<std::array<std::uint32_t, 2>> expected{{1, 3}, {2, 3}, {1, 2}};
    EXPECT_EQ(all, expected);
    EXPECT_TRUE(sa::sample_pairs({4}, 10, 1).empty());
}

TEST(statistics, populations_are_selected_by_name_in_the_given_order) {
    std::vector<std::vector<double>> trains{{1, 2, 3}, {5}, {7}};
    const auto d = make_dataset(trains, {{"exc", 2}, {"inh", 1}}, 0.0, 10.0);
    auto o = no_smoothing();
    o.populations = {"inh", "exc"};
    const auto s = sa::compute_statistics(d, o);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].name, "inh");
    EXPECT_EQ(s[0].spikes, 1u);
    EXPECT_EQ(s[1].name, "exc");
    EXPECT_EQ(s[1].spikes, 4u);
    EXPECT_EQ(s[1].units, 2u);
}

TEST(statistics, user_errors_are_config_errors_with_one_clear_line) {
    const auto d = make_dataset({{1, 2, 3}}, {{"exc", 1}}, 0.0, 10.0);
    auto o = no_smoothing();
    o.populations = {"nope"};
    try {
        sa::compute_statistics(d, o);
        FAIL() << "expected a config_error";
    } catch (const sf::core::config_error& e) {
        EXPECT_STREQ(e.what(), "--populations: unknown population 'nope' (known: exc)");
    }
    o = no_smoothing();
    o.t_start_ms = 5;
    o.t_stop_ms = 5;
    EXPECT_THROW(sa::compute_statistics(d, o), sf::core::config_error);
    o = no_smoothing();
    o.correlation_bin_ms = 0;
    EXPECT_THROW(sa::compute_statistics(d, o), sf::core::config_error);
    const auto no_span = make_dataset({{}}, {{"exc", 1}}, 0.0, 0.0);
    EXPECT_THROW(sa::compute_statistics(no_span, no_smoothing()), sf::core::config_error);
}

TEST(statistics, too_short_a_window_leaves_binned_statistics_undefined) {
    const auto d = make_dataset({{0.1, 0.2, 0.3}}, {{"p", 1}}, 0.0, 0.5);
    const auto r = sa::analyse(d, no_smoothing());  // fano bin 100 ms, rate bin 1 ms > 0.5 ms
    EXPECT_TRUE(std::isnan(r.populations[0].fano));
    EXPECT_TRUE(std::isnan(r.populations[0].synchrony));
    EXPECT_TRUE(r.rates[0].rate_hz.empty());
    EXPECT_DOUBLE_EQ(r.populations[0].mean_rate_hz, 3 / 0.5e-3);
}
