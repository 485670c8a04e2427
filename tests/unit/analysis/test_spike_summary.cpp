#include "analysis/spike_summary.hpp"

#include <gtest/gtest.h>

#include <cmath>

TEST(spike_summary, rates_cv_and_window_rate) {
    sf::analysis::spike_summary s(500.0, 1000.0);
    s.begin({{"a", "m", 2}, {"b", "m", 1}}, 0.1);
    // Neuron 0 of a: ISIs 10, 30 ms (steps 100, 300); neuron 1: two spikes only (one ISI).
    std::vector<std::int64_t> steps{100, 200, 250, 500, 9000};
    std::vector<std::uint32_t> nodes{0, 0, 1, 0, 1};
    s.write_spikes(0, steps, nodes);
    const auto stats = s.statistics(1000.0);
    ASSERT_EQ(stats.size(), 2u);
    EXPECT_EQ(stats[0].spikes, 5u);
    EXPECT_DOUBLE_EQ(stats[0].rate_hz, 5.0 / 2 / 1.0);
    // ISIs 10 ms and 30 ms: mean 20, population sd 10 -> CV 0.5; neuron 1 has one ISI only.
    EXPECT_DOUBLE_EQ(stats[0].cv_isi, 0.5);
    EXPECT_EQ(stats[0].cv_neurons, 1u);
    EXPECT_DOUBLE_EQ(stats[0].window_rate_hz, 1.0 / 2 / 0.5);  // one spike (900 ms) in (500, 1000]
    EXPECT_TRUE(std::isnan(stats[1].cv_isi));
    EXPECT_EQ(stats[1].spikes, 0u);
}

TEST(spike_summary, window_is_half_open_on_the_left_and_closed_on_the_right) {
    // Spike times are grid points in (0, T]: the last 200 ms of a 1 s run are (800, 1000].
    sf::analysis::spike_summary s(800.0, 1000.0);
    s.begin({{"a", "m", 1}}, 0.1);
    std::vector<std::int64_t> steps{8000, 8001, 10000};  // 800.0 ms (out), 800.1 and 1000.0 ms (in)
    std::vector<std::uint32_t> nodes{0, 0, 0};
    s.write_spikes(0, steps, nodes);
    EXPECT_DOUBLE_EQ(s.statistics(1000.0)[0].window_rate_hz, 2.0 / 0.2);
}
