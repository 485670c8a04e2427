// Poisson sources and the per-target Poisson stimulus: rate, Poisson count statistics and
// independence between neurons.
#include "../sim/capture_sinks.hpp"
#include "models/builtin_registry.hpp"
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace sf;

namespace {

// Spike counts per neuron in 100 ms bins: counts[neuron][bin].
std::vector<std::vector<double>> binned_counts(const test::capture_spikes& s, std::size_t population, std::size_t n,
                                               double t_ms, double bin_ms) {
    std::vector<std::vector<double>> counts(n, std::vector<double>(static_cast<std::size_t>(t_ms / bin_ms), 0.0));
    for (const auto& sp : s.spikes) {
        if (sp.population != population) continue;
        const auto bin = static_cast<std::size_t>((static_cast<double>(sp.step) * s.dt_ms - 1e-9) / bin_ms);
        if (bin < counts[sp.node].size()) counts[sp.node][bin] += 1;
    }
    return counts;
}

}  // namespace

TEST(poisson_source, rate_fano_and_independence) {
    const double rate = 40, t_ms = 20000;
    sim::network_spec net;
    net.populations.push_back({"src", "poisson_source", 50, {{"rate_hz", rate}}, {}, {}, true});
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    test::capture_spikes spikes;
    s.attach_spike_sink(&spikes);
    s.run(t_ms);
    const auto counts = binned_counts(spikes, 0, 50, t_ms, 100);
    const double expected = rate * 0.1;  // per 100 ms bin
    double total = 0, var_sum = 0;
    for (const auto& c : counts) {
        double m = 0, v = 0;
        for (double x : c) m += x;
        m /= c.size();
        for (double x : c) v += (x - m) * (x - m);
        v /= c.size() - 1;
        total += m;
        var_sum += v;
    }
    const double mean = total / 50;
    EXPECT_NEAR(mean, expected, 5 * std::sqrt(expected / (50 * 200)));
    EXPECT_NEAR(var_sum / 50 / mean, 1.0, 0.06);  // Fano factor of a Poisson process
    // Pairwise count correlations of independent trains are ~N(0, 1/sqrt(bins)).
    double max_corr = 0;
    for (int a = 0; a < 10; ++a)
        for (int b = a + 1; b < 10; ++b) {
            double ma = 0, mb = 0;
            for (std::size_t k = 0; k < 200; ++k) {
                ma += counts[a][k];
                mb += counts[b][k];
            }
            ma /= 200;
            mb /= 200;
            double cov = 0, va = 0, vb = 0;
            for (std::size_t k = 0; k < 200; ++k) {
                cov += (counts[a][k] - ma) * (counts[b][k] - mb);
                va += (counts[a][k] - ma) * (counts[a][k] - ma);
                vb += (counts[b][k] - mb) * (counts[b][k] - mb);
            }
            max_corr = std::max(max_corr, std::abs(cov / std::sqrt(va * vb)));
        }
    EXPECT_LT(max_corr, 0.3);  // 4.2 standard deviations for 200 bins
}

TEST(poisson_source, start_and_stop_bound_the_activity) {
    sim::network_spec net;
    net.populations.push_back({"src", "poisson_source", 100, {{"rate_hz", 500}, {"start_ms", 20}, {"stop_ms", 50}}, {}, {}, true});
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    test::capture_spikes spikes;
    s.attach_spike_sink(&spikes);
    s.run(100);
    ASSERT_GT(spikes.spikes.size(), 1000u);
    for (const auto& sp : spikes.spikes) {
        const double t = static_cast<double>(sp.step) * spikes.dt_ms;
        EXPECT_GE(t, 20 - 1e-9);
        EXPECT_LT(t, 50 - 1e-9);
    }
}

TEST(poisson_stimulus, each_target_receives_its_own_train_at_the_rate) {
    // Neurons that fire once per input event (one event lifts V 10 mV past a threshold 1 mV
    // above rest within a step, the current dies within that step, no refractoriness): their
    // spike count is the number of events they received.
    sim::network_spec net;
    net.populations.push_back({"n", "iaf_psc_exp", 200,
                               {{"c_m", 1}, {"tau_m", 1000}, {"tau_syn_e", 0.01}, {"v_th", -69.0}, {"t_ref", 0}},
                               {},
                               {},
                               true});
    sim::stimulus_spec stim;
    stim.target = "n";
    stim.rate_hz = 30;
    stim.weight = 1000;  // one event lifts V far above threshold within one step
    net.stimuli.push_back(stim);
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    test::capture_spikes spikes;
    s.attach_spike_sink(&spikes);
    s.run(10000);
    // Every event makes exactly one spike (events are rare: 0.003 per step).
    const double expected = 30 * 10.0 * 200;
    EXPECT_NEAR(static_cast<double>(spikes.spikes.size()), expected, 5 * std::sqrt(expected));
}
