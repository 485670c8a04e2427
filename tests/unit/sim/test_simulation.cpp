// The engine as a whole: identical output for any thread count, continuation, event counts,
// state probes and the errors a user meets while building.
#include "capture_sinks.hpp"
#include "core/error.hpp"
#include "models/builtin_registry.hpp"
#include "models/vogels_abbott.hpp"
#include "sim/poisson_counts.hpp"
#include "sim/simulation.hpp"
#include "test_world.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace sf;

namespace {

sim::network_spec small_balanced_network(bool random_synapses) {
    models::vogels_abbott_params p;
    p.n = 1500;
    p.pconn = 0.04;
    auto net = models::build_vogels_abbott(p);
    if (random_synapses) {
        // Exercise the per-synapse weight/delay path too.
        for (auto& proj : net.projections) {
            const double w = proj.weight.value;
            proj.weight = sim::distribution::normal(w, 0.2 * w, 0.0, 3 * w);
            proj.delay_ms = sim::distribution::uniform(0.2, 1.5);
        }
    }
    return net;
}

// The spikes of `net` with `threads` threads per rank on `world` (nullptr: this process alone; the
// tests' reference runs use it, the others run on test_world(): MPI ranks in sf_unit_sim_mpi).
std::vector<test::captured_spike> run_with_threads(const sim::network_spec& net, int threads, double t_ms,
                                                   comm::communicator* world = test::test_world()) {
    const auto registry = models::builtin_registry();
    sim::run_spec run;
    run.threads = threads;
    run.seed = 77;
    test::capture_spikes spikes;
    sim::simulation s(net, run, registry, world);
    s.attach_spike_sink(&spikes);
    s.run(t_ms);
    return spikes.spikes;
}

}  // namespace

class thread_invariance : public ::testing::TestWithParam<bool> {};
TEST_P(thread_invariance, spikes_identical_for_1_2_3_threads) {
    const auto net = small_balanced_network(GetParam());
    const auto one = run_with_threads(net, 1, 300, nullptr);
    ASSERT_GT(one.size(), 1000u) << "the network must be active for the comparison to mean anything";
    EXPECT_EQ(one, run_with_threads(net, 1, 300));
    EXPECT_EQ(one, run_with_threads(net, 2, 300));
    EXPECT_EQ(one, run_with_threads(net, 3, 300));
}
INSTANTIATE_TEST_SUITE_P(synapses, thread_invariance, ::testing::Values(false, true));

TEST(simulation, continued_runs_equal_one_long_run) {
    const auto net = small_balanced_network(false);
    const auto registry = models::builtin_registry();
    sim::run_spec run;
    run.seed = 5;
    test::capture_spikes a, b;
    sim::simulation one(net, run, registry);
    one.attach_spike_sink(&a);
    one.run(200);
    sim::simulation two(net, run, registry);
    two.attach_spike_sink(&b);
    two.run(70);
    two.run(130);
    EXPECT_DOUBLE_EQ(two.time_ms(), 200);
    EXPECT_EQ(a.spikes, b.spikes);
}

TEST(simulation, events_are_spikes_times_out_degree) {
    // One source neuron with a known out-degree firing known times.
    sim::network_spec net;
    sim::population_spec src{"src", "spike_source_array", 1, {}, {}, {{1.0, 2.0, 5.0}}, true};
    sim::population_spec tgt{"tgt", "iaf_psc_exp", 40, {}, {}, {}, true};
    net.populations = {src, tgt};
    sim::projection_spec proj;
    proj.source = "src";
    proj.target = "tgt";
    proj.connector.type = sim::connector_spec::rule::all_to_all;
    proj.weight = sim::distribution::constant(10.0);
    proj.delay_ms = sim::distribution::constant(1.0);
    net.projections = {proj};
    const auto registry = models::builtin_registry();
    sim::run_spec run;
    run.threads = 2;
    sim::simulation s(net, run, registry);
    s.run(10);
    EXPECT_EQ(s.synapse_count(), 40u);
    EXPECT_EQ(s.events_delivered(), 3u * 40u);
    EXPECT_EQ(s.populations()[0].spikes, 3u);
}

TEST(simulation, state_probe_samples_every_interval) {
    sim::network_spec net;
    sim::population_spec pop{"p", "iaf_psc_exp", 3, {{"i_e", 100.0}}, {}, {}, true};
    net.populations = {pop};
    sim::run_spec run;
    run.probes = {{"p", "v", {0, 2}, 0.5}};
    const auto registry = models::builtin_registry();
    sim::simulation s(net, run, registry);
    test::capture_state state;
    s.attach_state_sink(&state);
    s.run(5.0);
    ASSERT_EQ(state.samples[0].size(), 10u);  // t = 0.5, 1.0, ..., 5.0
    EXPECT_NEAR(state.samples[0].front().first, 0.5, 1e-12);
    EXPECT_NEAR(state.samples[0].back().first, 5.0, 1e-12);
    EXPECT_GT(state.samples[0].back().second[1], -70.0);  // depolarised by i_e
}

namespace {
// Samples of v at three neurons spread over the population (so over the ranks, under MPI).
std::vector<std::pair<double, std::vector<double>>> probe_samples(int threads, comm::communicator* world) {
    const auto net = small_balanced_network(true);
    sim::run_spec run;
    run.threads = threads;
    run.seed = 5;
    run.probes = {{"exc", "v", {0, 599, 1199}, 0.3}};
    const auto registry = models::builtin_registry();
    sim::simulation s(net, run, registry, world);
    test::capture_state state;
    s.attach_state_sink(&state);
    s.run(100.0);
    return state.samples[0];
}
}  // namespace

TEST(simulation, state_probe_samples_are_identical_for_any_thread_or_rank_count) {
    const auto one = probe_samples(1, nullptr);
    ASSERT_EQ(one.size(), 333u);
    EXPECT_EQ(one, probe_samples(1, test::test_world()));
    EXPECT_EQ(one, probe_samples(3, test::test_world()));
}

namespace {
std::string build_error(const sim::network_spec& net, sim::run_spec run = {}) {
    const auto registry = models::builtin_registry();
    try {
        sim::simulation s(net, run, registry);
    } catch (const core::config_error& e) {
        return e.what();
    }
    return "(no error)";
}
sim::network_spec two_populations() {
    sim::network_spec net;
    net.populations = {{"a", "iaf_cond_exp", 10, {}, {}, {}, true}, {"b", "iaf_psc_exp", 10, {}, {}, {}, true}};
    sim::projection_spec p;
    p.source = "a";
    p.target = "b";
    p.connector.p = 0.5;
    p.weight = sim::distribution::constant(1.0);
    p.delay_ms = sim::distribution::constant(1.0);
    net.projections = {p};
    return net;
}
}  // namespace

TEST(simulation_errors, name_the_key_and_the_rule) {
    auto net = two_populations();
    net.populations[0].params["tau_m"] = -1;
    EXPECT_EQ(build_error(net), "population.a: tau_m must be > 0 ms (got -1)");

    net = two_populations();
    net.populations[1].params["v_reset"] = -40;
    EXPECT_EQ(build_error(net), "population.b: v_reset must be < v_th (got -40)");

    net = two_populations();
    net.populations[0].params["tau_mm"] = 1;
    EXPECT_NE(build_error(net).find("population.a.tau_mm: unknown parameter of model iaf_cond_exp"), std::string::npos);

    net = two_populations();
    net.populations[0].model = "hh";
    EXPECT_NE(build_error(net).find("population.a.model: unknown model 'hh'"), std::string::npos);

    net = two_populations();
    net.projections[0].delay_ms = sim::distribution::constant(0.05);
    EXPECT_EQ(build_error(net), "projection[0] (a -> b).delay_ms: delay must be >= dt = 0.1 ms (lowest possible 0.05 ms)");

    net = two_populations();
    net.projections[0].connector.p = 2;
    EXPECT_EQ(build_error(net), "projection[0] (a -> b).connector: p must be in [0, 1] (got 2)");

    net = two_populations();
    net.projections[0].target = "c";
    EXPECT_EQ(build_error(net), "projection[0] (a -> c).target: no population named 'c'");

    net = two_populations();
    net.projections[0].receptor = "gaba";
    EXPECT_NE(build_error(net).find("receptor: model iaf_psc_exp has no receptor 'gaba'"), std::string::npos);

    net = two_populations();
    net.projections[0].target = "a";
    net.projections[0].weight = sim::distribution::constant(-1.0);
    EXPECT_NE(build_error(net).find("conductance weights [nS] must be >= 0"), std::string::npos);

    net = two_populations();
    net.populations[0].initial["w"] = sim::distribution::constant(0);
    EXPECT_NE(build_error(net).find("population.a.initial.w: model iaf_cond_exp has no state field 'w'"), std::string::npos);

    sim::run_spec run;
    run.dt_ms = 0;
    EXPECT_EQ(build_error(two_populations(), run), "simulation.dt_ms: must be > 0 (got 0)");
    run = {};
    run.probes = {{"a", "v", {10}, 0}};
    EXPECT_NE(build_error(two_populations(), run).find("neuron 10 does not exist"), std::string::npos);
}

TEST(simulation, dc_stimulus_drives_a_population_only_while_on) {
    // iaf_psc_exp at rest, 420 pA from 10 ms to 60 ms: first spike at the analytic time after
    // onset (exact integration), none after the current is off and V has relaxed.
    sim::network_spec net;
    net.populations.push_back({"p", "iaf_psc_exp", 4, {}, {}, {}, true});
    sim::stimulus_spec dc;
    dc.type = sim::stimulus_spec::kind::dc;
    dc.target = "p";
    dc.amplitude_pa = 420;
    dc.start_ms = 10;
    dc.stop_ms = 60;
    net.stimuli.push_back(dc);
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    test::capture_spikes spikes;
    s.attach_spike_sink(&spikes);
    s.run(100);
    // V_inf = E_L + I tau_m / C = -70 + 16.8 mV; threshold -55 mV.
    const double t_star = 10.0 * std::log(16.8 / (16.8 - 15.0));
    for (std::uint32_t node = 0; node < 4; ++node) {
        const auto t = spikes.times_of(0, node);
        ASSERT_GE(t.size(), 2u);
        EXPECT_NEAR(t.front(), 10.0 + std::ceil(t_star / 0.1 - 1e-9) * 0.1, 1e-9);
        EXPECT_LE(t.back(), 60.0 + 1e-9);
    }
}

namespace {
// A sink whose disk "fills up" after a few epochs.
class failing_sink final : public core::spike_sink {
public:
    int calls = 0;
    void begin(const std::vector<core::population_info>&, double) override {}
    void write_spikes(std::size_t, std::span<const std::int64_t>, std::span<const std::uint32_t>) override {
        if (++calls == 5) throw core::io_error("spikes.h5: disk full");
    }
    void finish() override {}
};
}  // namespace

TEST(simulation, a_failing_sink_stops_every_thread_and_reports_the_error) {
    for (int threads : {1, 3}) {
        const auto net = small_balanced_network(false);
        const auto registry = models::builtin_registry();
        sim::run_spec run;
        run.threads = threads;
        sim::simulation s(net, run, registry);
        failing_sink sink;
        s.attach_spike_sink(&sink);
        try {
            s.run(300);
            FAIL() << "must throw";
        } catch (const core::io_error& e) {
            EXPECT_STREQ(e.what(), "spikes.h5: disk full");
        }
        EXPECT_EQ(sink.calls, 5);  // nothing was written after the failure
    }
}

TEST(poisson_counts, inverse_cdf_of_uniform_words_is_poisson) {
    // Mean 1.68 per step: the microcircuit's L23E external input (1600 x 8 Hz x 0.1 ms) x 1.3.
    const double mean = 1.68;
    const auto thresholds = sim::poisson_cdf_2_32(mean);
    core::rng_stream rng(5, {core::stream_purpose::poisson_input, 0, 0});
    std::vector<std::uint32_t> words(2048);
    std::vector<double> row(2048);
    std::vector<double> histogram(16, 0.0);
    double sum = 0, sum2 = 0;
    const int blocks = 200;
    for (int b = 0; b < blocks; ++b) {
        for (auto& w : words) w = rng.next_u32();
        std::fill(row.begin(), row.end(), 0.0);
        sim::add_poisson_counts(words.data(), thresholds.data(), thresholds.size(), 1.0, row.data(), 0, row.size());
        for (double c : row) {
            histogram[std::min<std::size_t>(static_cast<std::size_t>(c), 15)] += 1;
            sum += c, sum2 += c * c;
        }
    }
    const double n = 2048.0 * blocks, m = sum / n, var = sum2 / n - m * m;
    EXPECT_NEAR(m, mean, 4 * std::sqrt(mean / n));
    EXPECT_NEAR(var, mean, 4 * mean * std::sqrt(2.0 / n) * 1.5);
    // Chi-square over counts 0..7 (expected >= 5 each), 7 degrees of freedom: 99.9 % quantile 24.3.
    double chi2 = 0, p = std::exp(-mean);
    for (int k = 0; k < 8; ++k) {
        chi2 += (histogram[static_cast<std::size_t>(k)] - n * p) * (histogram[static_cast<std::size_t>(k)] - n * p) / (n * p);
        p *= mean / (k + 1);
    }
    EXPECT_LT(chi2, 24.3);
}

TEST(simulation, dense_poisson_input_is_identical_for_any_thread_count) {
    // 20 kHz of input per neuron = 2 events per step: the count mode.
    sim::network_spec net;
    sim::population_spec pop;
    pop.name = "n";
    pop.model = "iaf_psc_exp";
    pop.size = 3000;
    pop.params = {{"tau_syn_e", 0.5}, {"tau_syn_i", 0.5}, {"c_m", 250.0}, {"tau_m", 10.0}, {"e_l", -65.0},
                  {"v_th", -50.0}, {"v_reset", -65.0}, {"t_ref", 2.0}};
    net.populations.push_back(pop);
    sim::stimulus_spec st;
    st.target = "n";
    st.rate_hz = 20000.0;
    st.weight = 87.8;
    net.stimuli.push_back(st);
    const auto one = run_with_threads(net, 1, 200, nullptr);
    ASSERT_GT(one.size(), 3000u);
    EXPECT_EQ(one, run_with_threads(net, 1, 200));
    EXPECT_EQ(one, run_with_threads(net, 2, 200));
    EXPECT_EQ(one, run_with_threads(net, 3, 200));
}

// --- issue 9: explicit synapse lists and per-neuron initial values ----------------------------

namespace {

// `net` with every projection replaced by the explicit list of the synapses its rule made.
sim::network_spec as_explicit_lists(const sim::network_spec& net) {
    const auto registry = models::builtin_registry();
    sim::run_spec run;
    run.seed = 77;  // as run_with_threads: the same synapses
    sim::simulation s(net, run, registry, nullptr);
    auto listed = net;
    for (std::size_t j = 0; j < net.projections.size(); ++j) {
        const auto list = s.connections(j);
        auto& proj = listed.projections[j];
        proj.connector.type = sim::connector_spec::rule::from_list;
        proj.synapses = {list.source, list.target, list.weight, list.delay_ms};
    }
    return listed;
}

}  // namespace

class from_list_equivalence : public ::testing::TestWithParam<bool> {};
TEST_P(from_list_equivalence, listing_a_rules_synapses_gives_the_rules_spikes_for_any_thread_count) {
    const auto net = small_balanced_network(GetParam());
    const auto reference = run_with_threads(net, 1, 300, nullptr);
    ASSERT_GT(reference.size(), 1000u);
    const auto listed = as_explicit_lists(net);
    EXPECT_EQ(reference, run_with_threads(listed, 1, 300, nullptr));
    EXPECT_EQ(reference, run_with_threads(listed, 3, 300));
}
INSTANTIATE_TEST_SUITE_P(synapses, from_list_equivalence, ::testing::Values(false, true));

TEST(simulation_errors, from_list_values_are_checked_like_distributions) {
    auto net = two_populations();
    auto& proj = net.projections.at(0);
    proj.connector.type = sim::connector_spec::rule::from_list;
    proj.synapses.source = {0, 1};
    proj.synapses.target = {0, 0};
    proj.synapses.delay_ms = {1.0, 0.05};
    EXPECT_NE(build_error(net).find(".synapses.delay_ms: delays must be in [dt, 65535 dt]"), std::string::npos)
        << build_error(net);
    proj.synapses.delay_ms.clear();
    proj.synapses.source = {0, 100000};
    EXPECT_NE(build_error(net).find(".synapses: synapse 1: source 100000 out of range"), std::string::npos)
        << build_error(net);
}

TEST(simulation, initial_values_set_each_neurons_state) {
    sim::network_spec net;
    sim::population_spec p;
    p.name = "cells";
    p.model = "iaf_psc_exp";
    p.size = 3;
    p.params = {{"e_l", -70.0}, {"tau_m", 10.0}, {"v_th", 100.0}};
    p.initial_values["v"] = {-60.0, -55.5, -80.0};
    net.populations.push_back(p);
    sim::run_spec run;
    run.dt_ms = 0.1;
    run.probes = {{"cells", "v", {0, 1, 2}, 0}};
    const auto registry = models::builtin_registry();
    sim::simulation s(net, run, registry);
    test::capture_state state;
    s.attach_state_sink(&state);
    s.run(0.1);
    ASSERT_EQ(state.samples[0].size(), 1u);
    const auto& v = state.samples[0][0].second;
    const double decay = std::exp(-0.1 / 10.0);  // no input: V relaxes exactly towards E_L
    EXPECT_NEAR(v[0], -70.0 + 10.0 * decay, 1e-12);
    EXPECT_NEAR(v[1], -70.0 + 14.5 * decay, 1e-12);
    EXPECT_NEAR(v[2], -70.0 - 10.0 * decay, 1e-12);

    net.populations[0].initial_values["v"] = {-60.0};
    EXPECT_EQ(build_error(net), "population.cells.initial_values.v: 1 values for 3 neurons");
}

TEST(simulation, parameters_spike_times_and_dc_change_between_runs) {
    // A DC-driven iaf_psc_exp whose bias current is raised at 100 ms: its period before and after
    // is the closed form T = t_ref + tau_m ln(RI / (RI - (v_th - e_l))), on the 0.1 ms grid.
    sim::network_spec net;
    net.populations.push_back({"p", "iaf_psc_exp", 1, {{"i_e", 400.0}}, {}, {}, true});
    net.populations.push_back({"src", "spike_source_array", 2, {}, {}, {{5.0}, {}}, true});
    net.populations.push_back({"q", "iaf_psc_exp", 1, {}, {}, {}, true});
    sim::stimulus_spec dc;
    dc.type = sim::stimulus_spec::kind::dc;
    dc.target = "q";
    dc.amplitude_pa = 0;
    net.stimuli.push_back(dc);
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    test::capture_spikes spikes;
    s.attach_spike_sink(&spikes);
    s.run(100);
    s.set_parameters("p", {{"i_e", 600.0}});
    s.set_spike_times("src", {{50.0, 150.0, 160.0}, {120.0}});  // 50 ms is past: never emitted
    s.set_dc_stimulus(0, 500.0, 130.0, 1e300);
    s.run(100);
    auto period = [](double i_pa) {  // NEST iaf_psc_exp defaults: C 250 pF, tau_m 10 ms, t_ref 2 ms
        const double ri = i_pa * 10.0 / 250.0;
        return 2.0 + std::ceil(10.0 * std::log(ri / (ri - 15.0)) / 0.1 - 1e-9) * 0.1;
    };
    const auto t = spikes.times_of(0, 0);
    ASSERT_GT(t.size(), 10u);
    for (std::size_t k = 1; k < t.size(); ++k) {
        if (t[k] < 100.0) {
            EXPECT_NEAR(t[k] - t[k - 1], period(400.0), 1e-9) << k;
        } else if (t[k - 1] > 110.0) {
            EXPECT_NEAR(t[k] - t[k - 1], period(600.0), 1e-9) << k;
        }
    }
    EXPECT_EQ(spikes.times_of(1, 0), (std::vector<double>{5.0, 150.0, 160.0}));
    EXPECT_EQ(spikes.times_of(1, 1), (std::vector<double>{120.0}));
    const auto q = spikes.times_of(2, 0);
    ASSERT_FALSE(q.empty());
    EXPECT_GT(q.front(), 130.0);
    EXPECT_THROW(s.set_parameters("p", {{"tau_m", -1.0}}), core::config_error);
    EXPECT_THROW(s.set_parameters("p", {{"no_such", 1.0}}), core::config_error);
    EXPECT_THROW(s.set_spike_times("p", {{1.0}}), core::config_error);
    EXPECT_THROW(s.set_dc_stimulus(3, 1.0, 0.0, 1.0), core::config_error);
}
