// iaf_psc_exp against closed forms: DC-driven first spike and period, and the PSP shape.
#include "single_neuron.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

// Continuous-time time for V to go from v0 to v_th under constant current (V_inf = E_L + R I).
double time_to_threshold(double v0, double v_inf, double v_th, double tau_m) {
    return tau_m * std::log((v_inf - v0) / (v_inf - v_th));
}

}  // namespace

TEST(iaf_psc_exp, dc_driven_first_spike_and_period_match_the_analytic_lif) {
    const double c_m = 250, tau_m = 10, e_l = -70, v_th = -55, v_reset = -70, t_ref = 2, i_e = 420;  // pA
    const double dt = 0.1;
    const auto r = sf::test::run_single_neuron(
        "iaf_psc_exp", {{"c_m", c_m}, {"tau_m", tau_m}, {"e_l", e_l}, {"v_th", v_th}, {"v_reset", v_reset},
                        {"t_ref", t_ref}, {"i_e", i_e}},
        200, dt);
    const double v_inf = e_l + i_e * tau_m / c_m;  // pA * ms / pF = mV
    const double t_first = time_to_threshold(e_l, v_inf, v_th, tau_m);
    const double t_next = time_to_threshold(v_reset, v_inf, v_th, tau_m);
    ASSERT_GE(r.spike_times_ms.size(), 5u);
    // Exact integration: V is exact at grid points, so the spike is at the first grid point past t*.
    EXPECT_NEAR(r.spike_times_ms[0], std::ceil(t_first / dt) * dt, 1e-9);
    const double grid_period = (std::lround(t_ref / dt) + std::ceil(t_next / dt)) * dt;
    for (std::size_t k = 1; k < r.spike_times_ms.size(); ++k) {
        const double isi = r.spike_times_ms[k] - r.spike_times_ms[k - 1];
        EXPECT_NEAR(isi, grid_period, 1e-9);
        EXPECT_NEAR(isi, t_ref + t_next, dt);  // continuous-time period, within one step
    }
}

TEST(iaf_psc_exp, psp_matches_the_closed_form_to_1e_9) {
    const double c_m = 250, tau_m = 10, tau_s = 2, e_l = -70, w = 500;  // pA
    const double dt = 0.1;
    // Input spike at 1.0 ms with delay 1.0 ms: the current jumps at t0 = 2.0 ms.
    const auto r = sf::test::run_single_neuron(
        "iaf_psc_exp", {{"c_m", c_m}, {"tau_m", tau_m}, {"tau_syn_e", tau_s}, {"e_l", e_l}, {"v_th", 100}, {"v_reset", -70}},
        60, dt, {1.0}, w, 1.0);
    const double t0 = 2.0;
    int checked = 0;
    for (const auto& [t, v] : r.v) {
        if (t <= t0 + 1e-9) {
            EXPECT_EQ(v, e_l);
            continue;
        }
        const double s = t - t0;
        const double psp = w / c_m * tau_s * tau_m / (tau_m - tau_s) * (std::exp(-s / tau_m) - std::exp(-s / tau_s));
        EXPECT_NEAR((v - e_l) / psp, 1.0, 1e-9) << "t = " << t;
        ++checked;
    }
    EXPECT_GT(checked, 500);
}

TEST(iaf_psc_exp, psp_with_equal_time_constants_uses_the_limit) {
    const double c_m = 250, tau = 10, e_l = -70, w = 500;
    const auto r = sf::test::run_single_neuron(
        "iaf_psc_exp", {{"c_m", c_m}, {"tau_m", tau}, {"tau_syn_e", tau}, {"e_l", e_l}, {"v_th", 100}}, 40, 0.1, {1.0}, w, 1.0);
    for (const auto& [t, v] : r.v) {
        if (t <= 2.0 + 1e-9) continue;
        const double s = t - 2.0;
        EXPECT_NEAR((v - e_l) / (w / c_m * s * std::exp(-s / tau)), 1.0, 1e-9);
    }
}

TEST(iaf_psc_exp, refractory_neuron_is_clamped) {
    const auto r = sf::test::run_single_neuron("iaf_psc_exp", {{"i_e", 1000}, {"t_ref", 3}}, 50, 0.1);
    ASSERT_GE(r.spike_times_ms.size(), 2u);
    const double t_spike = r.spike_times_ms[0];
    for (const auto& [t, v] : r.v) {
        if (t > t_spike + 1e-9 && t < t_spike + 3 - 1e-9) {
            EXPECT_EQ(v, -70.0) << t;
        }
    }
}
