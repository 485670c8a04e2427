#include "core/error.hpp"
#include "models/builtin_registry.hpp"
#include "models/vogels_abbott.hpp"
#include "sim/simulation.hpp"

#include <gtest/gtest.h>

using namespace sf;

TEST(vogels_abbott, builds_the_classic_network) {
    const auto net = models::build_vogels_abbott({});
    ASSERT_EQ(net.populations.size(), 2u);
    EXPECT_EQ(net.populations[0].size, 3200u);
    EXPECT_EQ(net.populations[1].size, 800u);
    EXPECT_EQ(net.populations[0].model, "iaf_cond_exp");
    ASSERT_EQ(net.projections.size(), 4u);
    EXPECT_DOUBLE_EQ(net.projections[0].weight.value, 4.0);
    EXPECT_DOUBLE_EQ(net.projections[1].weight.value, 51.0);
    const auto registry = models::builtin_registry();
    sim::simulation s(net, {}, registry);
    // 4000 x 3999 candidate pairs x 0.02, within 5 standard deviations.
    const double expected = 4000.0 * 3999 * 0.02;
    EXPECT_NEAR(static_cast<double>(s.synapse_count()), expected, 5 * std::sqrt(expected));
    EXPECT_LE(static_cast<double>(s.synapse_bytes()) / static_cast<double>(s.synapse_count()), 12.0);
}

TEST(vogels_abbott, seed_kick_adds_a_source_population) {
    models::vogels_abbott_params p;
    p.n = 1000;
    p.pconn = 0.01;
    p.stimulus = "kick";
    const auto net = models::build_vogels_abbott(p);
    ASSERT_EQ(net.populations.size(), 3u);
    EXPECT_EQ(net.populations[2].model, "poisson_source");
    EXPECT_EQ(net.populations[2].size, 20u);
    EXPECT_DOUBLE_EQ(net.projections.back().weight.value, 100.0);
}

TEST(vogels_abbott, rejects_bad_parameters) {
    models::vogels_abbott_params p;
    p.variant = "hh";
    EXPECT_THROW(models::build_vogels_abbott(p), core::config_error);
    p = {};
    p.pconn = 1.5;
    EXPECT_THROW(models::build_vogels_abbott(p), core::config_error);
    p = {};
    p.stimulus = "loud";
    EXPECT_THROW(models::build_vogels_abbott(p), core::config_error);
}
