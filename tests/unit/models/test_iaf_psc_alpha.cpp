// iaf_psc_alpha against independent references: the PSP from a fine RK4 integration of the
// ODEs (not the propagator formulas), the current's peak (w at tau_syn), and the DC-driven
// first spike and period of the analytic LIF.
#include "single_neuron.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace {

// V - E_L at time s after an input of weight w [pA], by RK4 with step h on
// (V, I, D): C dV/dt = -C/tau_m V + I, dI/dt = D - I/tau_s, dD/dt = -D/tau_s, D(0) = w e/tau_s.
double psp_rk4(double s, double w, double c_m, double tau_m, double tau_s, double h) {
    struct y3 { double v, i, d; };
    auto f = [&](y3 y) { return y3{(-c_m / tau_m * y.v + y.i) / c_m, y.d - y.i / tau_s, -y.d / tau_s}; };
    y3 y{0.0, 0.0, w * std::numbers::e / tau_s};
    const auto n = static_cast<long>(std::llround(s / h));
    for (long k = 0; k < n; ++k) {
        const y3 k1 = f(y);
        const y3 k2 = f({y.v + h / 2 * k1.v, y.i + h / 2 * k1.i, y.d + h / 2 * k1.d});
        const y3 k3 = f({y.v + h / 2 * k2.v, y.i + h / 2 * k2.i, y.d + h / 2 * k2.d});
        const y3 k4 = f({y.v + h * k3.v, y.i + h * k3.i, y.d + h * k3.d});
        y.v += h / 6 * (k1.v + 2 * k2.v + 2 * k3.v + k4.v);
        y.i += h / 6 * (k1.i + 2 * k2.i + 2 * k3.i + k4.i);
        y.d += h / 6 * (k1.d + 2 * k2.d + 2 * k3.d + k4.d);
    }
    return y.v;
}

}  // namespace

class iaf_psc_alpha_psp : public ::testing::TestWithParam<double> {};  // tau_syn [ms]
TEST_P(iaf_psc_alpha_psp, matches_an_rk4_integration_of_the_odes) {
    const double c_m = 250, tau_m = 10, tau_s = GetParam(), e_l = -70, w = 300;  // pA
    const double dt = 0.1;
    // Input spike at 1.0 ms with delay 1.0 ms: it reaches D at t0 = 2.0 ms.
    const auto r = sf::test::run_single_neuron(
        "iaf_psc_alpha", {{"c_m", c_m}, {"tau_m", tau_m}, {"tau_syn_e", tau_s}, {"e_l", e_l}, {"v_th", 100}, {"v_reset", -70}},
        40, dt, {1.0}, w, 1.0);
    const double t0 = 2.0;
    int checked = 0;
    double peak = 0;
    for (const auto& [t, v] : r.v) {
        if (t <= t0 + 1e-9) {
            EXPECT_EQ(v, e_l);
            continue;
        }
        if (std::lround((t - t0) / dt) % 10 != 0) continue;  // every ms: the reference is costly
        const double ref = psp_rk4(t - t0, w, c_m, tau_m, tau_s, 1e-4);
        EXPECT_NEAR(v - e_l, ref, 1e-7 * std::abs(ref) + 1e-12) << "t = " << t;
        peak = std::max(peak, v - e_l);
        ++checked;
    }
    EXPECT_GT(checked, 30);
    EXPECT_GT(peak, 0.05);  // a visible PSP: the comparison means something
}
// 10 ms = tau_m exercises the a -> 0 series form.
INSTANTIATE_TEST_SUITE_P(tau_syn, iaf_psc_alpha_psp, ::testing::Values(0.5, 2.0, 10.0));

TEST(iaf_psc_alpha, dc_driven_first_spike_and_period_match_the_analytic_lif) {
    const double c_m = 250, tau_m = 10, e_l = -70, v_th = -55, v_reset = -70, t_ref = 2, i_e = 420;  // pA
    const double dt = 0.1;
    const auto r = sf::test::run_single_neuron(
        "iaf_psc_alpha", {{"c_m", c_m}, {"tau_m", tau_m}, {"e_l", e_l}, {"v_th", v_th}, {"v_reset", v_reset},
                          {"t_ref", t_ref}, {"i_e", i_e}},
        200, dt);
    const double v_inf = e_l + i_e * tau_m / c_m;
    const double t_first = tau_m * std::log((v_inf - e_l) / (v_inf - v_th));
    const double t_next = tau_m * std::log((v_inf - v_reset) / (v_inf - v_th));
    ASSERT_GE(r.spike_times_ms.size(), 5u);
    EXPECT_NEAR(r.spike_times_ms[0], std::ceil(t_first / dt) * dt, 1e-9);
    for (std::size_t k = 1; k < r.spike_times_ms.size(); ++k)
        EXPECT_NEAR(r.spike_times_ms[k] - r.spike_times_ms[k - 1], (std::lround(t_ref / dt) + std::ceil(t_next / dt)) * dt, 1e-9);
}
