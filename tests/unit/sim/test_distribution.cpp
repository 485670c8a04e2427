#include "core/error.hpp"
#include "sim/distribution.hpp"

#include <gtest/gtest.h>

#include <cmath>

using sf::sim::distribution;

TEST(distribution, uniform_and_clipped_normal_stay_in_bounds_with_right_mean) {
    sf::core::rng_stream rng(9, {sf::core::stream_purpose::synapse_values, 0, 0});
    const auto u = distribution::uniform(-60, -50);
    const auto n = distribution::normal(1.0, 0.5, 0.0, 10.0);
    double su = 0, sn = 0;
    const int draws = 100000;
    for (int i = 0; i < draws; ++i) {
        const double a = u.draw(rng), b = n.draw(rng);
        ASSERT_GE(a, -60);
        ASSERT_LT(a, -50);
        ASSERT_GE(b, 0.0);
        ASSERT_LE(b, 10.0);
        su += a;
        sn += b;
    }
    EXPECT_NEAR(su / draws, -55.0, 0.05);
    // Truncated normal mean: mu + sigma phi(alpha)/(1 - Phi(alpha)), alpha = (0 - 1)/0.5 = -2.
    const double alpha = -2.0;
    const double phi = std::exp(-alpha * alpha / 2) / std::sqrt(2 * M_PI);
    const double tail = 0.5 * std::erfc(alpha / std::sqrt(2.0));
    EXPECT_NEAR(sn / draws, 1.0 + 0.5 * phi / tail, 0.01);
}

TEST(distribution, validate_names_the_key) {
    try {
        distribution::uniform(2, 1).validate("projection[0].weight");
        FAIL();
    } catch (const sf::core::config_error& e) {
        EXPECT_STREQ(e.what(), "projection[0].weight: uniform needs low <= high (got 2 > 1)");
    }
    EXPECT_THROW(distribution::normal(0, 1, 50, 60).validate("w"), sf::core::config_error);
    EXPECT_NO_THROW(distribution::normal(0, 1, -1, 1).validate("w"));
}
