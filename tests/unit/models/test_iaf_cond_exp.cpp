// iaf_cond_exp and iaf_cond_alpha: DC-driven LIF against the analytic formula, and second-order
// convergence of the documented midpoint scheme towards a dt/100 reference.
#include "single_neuron.hpp"

#include <gtest/gtest.h>

#include <cmath>

class conductance_model : public testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(models, conductance_model, testing::Values("iaf_cond_exp", "iaf_cond_alpha"));

TEST_P(conductance_model, dc_driven_first_spike_and_period_match_the_analytic_lif) {
    const double c_m = 200, tau_m = 20, e_l = -60, v_th = -50, v_reset = -60, t_ref = 5, i_e = 600;  // pA
    for (double dt : {0.1, 0.01}) {
        const auto r = sf::test::run_single_neuron(
            GetParam(), {{"c_m", c_m}, {"tau_m", tau_m}, {"e_l", e_l}, {"v_th", v_th}, {"v_reset", v_reset},
                             {"t_ref", t_ref}, {"i_e", i_e}},
            300, dt);
        const double v_inf = e_l + i_e * tau_m / c_m;
        const double t_star = tau_m * std::log((v_inf - e_l) / (v_inf - v_th));
        ASSERT_GE(r.spike_times_ms.size(), 5u);
        // The spike lands on the grid point at or after the crossing, up to the O(dt^2) error.
        EXPECT_NEAR(r.spike_times_ms[0], t_star + dt / 2, dt / 2 + 1e-6) << "dt " << dt;
        for (std::size_t k = 1; k < r.spike_times_ms.size(); ++k)
            EXPECT_NEAR(r.spike_times_ms[k] - r.spike_times_ms[k - 1], t_ref + t_star + dt / 2, dt / 2 + 1e-6);
    }
}

namespace {

// Subthreshold V under excitatory and inhibitory conductance inputs, sampled every 0.5 ms.
std::vector<double> trace(const std::string& model, double dt) {
    const std::map<std::string, double> params{{"c_m", 200}, {"tau_m", 20}, {"e_l", -60}, {"v_th", 100},
                                               {"v_reset", -60}, {"tau_syn_e", 5}, {"tau_syn_i", 10},
                                               {"e_rev_e", 0}, {"e_rev_i", -80}, {"i_e", 50}};
    // Strong inputs (tens of nS) so that the conductance terms dominate the error.
    const auto r = sf::test::run_single_neuron(model, params, 60, dt, {1.0, 3.0, 3.5, 10.0, 22.0, 30.0}, 40.0, 1.0);
    std::vector<double> out;
    for (const auto& [t, v] : r.v) {
        const double k = t / 0.5;
        if (std::abs(k - std::round(k)) < 1e-6) out.push_back(v);
    }
    return out;
}

double max_difference(const std::vector<double>& a, const std::vector<double>& b) {
    double m = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(a[i] - b[i]));
    return m;
}

}  // namespace

TEST_P(conductance_model, converges_with_second_order_to_a_dt_over_100_reference) {
    const auto reference = trace(GetParam(), 0.001);
    const double e1 = max_difference(trace(GetParam(), 0.1), reference);
    const double e2 = max_difference(trace(GetParam(), 0.05), reference);
    const double e4 = max_difference(trace(GetParam(), 0.025), reference);
    ASSERT_EQ(trace(GetParam(), 0.1).size(), reference.size());
    EXPECT_GT(e1, 0.0);
    EXPECT_LT(e1, 0.05);  // [mV] at the production step
    const double order1 = std::log2(e1 / e2), order2 = std::log2(e2 / e4);
    EXPECT_NEAR(order1, 2.0, 0.3) << e1 << " " << e2 << " " << e4;
    EXPECT_NEAR(order2, 2.0, 0.3);
}
