// iaf_cond_alpha: leaky integrate-and-fire neuron with alpha-shaped synaptic conductances
// (PyNN's IF_cond_alpha, NEST's iaf_cond_alpha).
//
//   C_m dV/dt = g_L (E_L - V) + g_e (E_rev_e - V) + g_i (E_rev_i - V) + I_e + I_ext
//   g_x(t) = w (t/tau_x) exp(1 - t/tau_x) after an input of weight w [nS]: peak w at t = tau_x.
// As a linear system: dx/dt = -x/tau, dg/dt = x - g/tau; an input adds w e/tau to x.
//
// Integration as iaf_cond_exp (same parameters, validation and threshold/reset/refractoriness):
//   * conductances propagate exactly: x(t+h) = x E, g(t+h) = (g + h x) E with E = exp(-h/tau),
//     so g(t + h/2) = (g + h/2 x) exp(-h/(2 tau)) is exact too;
//   * V advances by the explicit midpoint rule with the exact g(t) and g(t + h/2) (second order);
//   * inputs arriving at the end of the step are added to x after the step.
#pragma once

#include "models/iaf_cond_exp.hpp"

namespace sf::models {

struct iaf_cond_alpha {
    static constexpr std::string_view name = "iaf_cond_alpha";
    static constexpr std::array<std::string_view, 2> receptors{"excitatory", "inhibitory"};
    static constexpr bool conductance_based = true;

    // iaf_cond_exp's parameters with PyNN's IF_cond_alpha defaults for the synaptic time constants.
    struct params : iaf_cond_exp::params {
        params() {
            tau_syn_e = 0.3;  // [ms] time to peak of the excitatory conductance
            tau_syn_i = 0.5;  // [ms] time to peak of the inhibitory conductance
        }
    };
    static constexpr auto param_table = sim::derived_param_table<params>(iaf_cond_exp::param_table);
    static void validate(const params& p) { iaf_cond_exp::validate(p); }

    struct state {
        std::vector<double> v;     // [mV] membrane potential
        std::vector<double> g_e;   // [nS] excitatory conductance
        std::vector<double> dg_e;  // [nS/ms] its auxiliary variable x
        std::vector<double> g_i;   // [nS] inhibitory conductance
        std::vector<double> dg_i;  // [nS/ms]
        std::vector<std::int32_t> refractory_steps;
        void resize(std::size_t n, const params& p) {
            v.assign(n, p.e_l);
            g_e.assign(n, 0.0);
            dg_e.assign(n, 0.0);
            g_i.assign(n, 0.0);
            dg_i.assign(n, 0.0);
            refractory_steps.assign(n, 0);
        }
        std::size_t size() const { return v.size(); }
    };
    static constexpr std::array<sim::field_desc<state>, 3> field_table{{
        {"v", "mV", &state::v},
        {"g_e", "nS", &state::g_e},
        {"g_i", "nS", &state::g_i},
    }};

    struct propagators {
        iaf_cond_exp::propagators base;  // h, membrane terms, decay_x = exp(-h/tau), half_x = exp(-h/(2 tau))
        double kick_e = 0, kick_i = 0;   // [1/ms] e/tau: an input w adds w e/tau to x
        static propagators make(const params& p, double h) {
            propagators q;
            q.base = iaf_cond_exp::propagators::make(p, h);
            q.kick_e = std::exp(1.0) / p.tau_syn_e;
            q.kick_i = std::exp(1.0) / p.tau_syn_i;
            return q;
        }
    };

    SF_HOT_KERNEL static void integrate_range(double* __restrict v, double* __restrict ge, double* __restrict xe,
                                              double* __restrict gi, double* __restrict xi,
                                              std::int32_t* __restrict ref, double* __restrict in_e,
                                              double* __restrict in_i, double i_ext, std::size_t begin,
                                              std::size_t end, const propagators q) {
        const auto& b = q.base;
        const double h = b.h, inv_c = b.inv_c, g_l = b.g_l, e_l = b.e_l, e_e = b.e_e, e_i = b.e_i;
        const double current = b.i_e + i_ext;
        auto dvdt = [=](double vv, double gee, double gii) {
            return (g_l * (e_l - vv) + gee * (e_e - vv) + gii * (e_i - vv) + current) * inv_c;  // [mV/ms]
        };
        for (std::size_t i = begin; i < end; ++i) {
            const double k1 = dvdt(v[i], ge[i], gi[i]);
            const double v_mid = v[i] + 0.5 * h * k1;
            const double k2 = dvdt(v_mid, (ge[i] + 0.5 * h * xe[i]) * b.half_e, (gi[i] + 0.5 * h * xi[i]) * b.half_i);
            const double free = ref[i] <= 0 ? 1.0 : 0.0;  // branch-free: a refractory neuron keeps V
            v[i] += free * (h * k2);
            ref[i] = std::max(ref[i] - 1, 0);
            ge[i] = (ge[i] + h * xe[i]) * b.decay_e;
            gi[i] = (gi[i] + h * xi[i]) * b.decay_i;
            xe[i] = xe[i] * b.decay_e + q.kick_e * in_e[i - begin];
            xi[i] = xi[i] * b.decay_i + q.kick_i * in_i[i - begin];
            in_e[i - begin] = 0.0;  // consumed: the engine reuses the buffer zeroed
            in_i[i - begin] = 0.0;
        }
    }

    static void update(const propagators& q, state& s, const sim::update_args& a, sim::spike_list& spikes) {
        integrate_range(s.v.data(), s.g_e.data(), s.dg_e.data(), s.g_i.data(), s.dg_i.data(), s.refractory_steps.data(),
                        a.inputs[0], a.inputs[1], a.i_ext, a.begin, a.end, q);
        sim::reset_crossings(s.v.data(), s.refractory_steps.data(), a.begin, a.end, q.base.v_th, q.base.v_reset,
                             q.base.refractory_steps, spikes);
    }
};

}  // namespace sf::models
