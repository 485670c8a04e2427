#include "../sim/capture_sinks.hpp"
#include "core/error.hpp"
#include "models/builtin_registry.hpp"
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

using namespace sf;

TEST(spike_source_array, emits_the_given_times_on_the_grid) {
    sim::network_spec net;
    net.populations.push_back({"s", "spike_source_array", 3, {}, {}, {{0.1, 2.5, 2.5, 7.0}, {}, {9.96}}, true});
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    test::capture_spikes spikes;
    s.attach_spike_sink(&spikes);
    s.run(20);
    EXPECT_EQ(spikes.times_of(0, 0), (std::vector<double>{0.1, 2.5, 2.5, 7.0}));
    EXPECT_TRUE(spikes.times_of(0, 1).empty());
    ASSERT_EQ(spikes.times_of(0, 2).size(), 1u);
    EXPECT_NEAR(spikes.times_of(0, 2)[0], 10.0, 1e-12);  // rounded to the nearest grid point
}

TEST(spike_source_array, rejects_unsorted_or_too_early_times) {
    const auto registry = models::builtin_registry();
    sim::network_spec net;
    net.populations.push_back({"s", "spike_source_array", 1, {}, {}, {{3.0, 2.0}}, true});
    EXPECT_THROW(sim::simulation(net, {}, registry), core::config_error);
    net.populations[0].spike_times_ms = {{0.0}};
    EXPECT_THROW(sim::simulation(net, {}, registry), core::config_error);
}
