// iaf_psc_alpha: leaky integrate-and-fire neuron with alpha-shaped synaptic currents (PyNN's
// IF_curr_alpha, NEST's iaf_psc_alpha).
//
//   C_m dV/dt = -(C_m/tau_m) (V - E_L) + I_syn_e + I_syn_i + I_e + I_ext
//   dI_x/dt = D_x - I_x / tau_syn_x,   dD_x/dt = -D_x / tau_syn_x
//   an input of weight w [pA] adds w e / tau_syn_x to D_x, so that I_x(t) = w (t/tau) e^(1 - t/tau):
//   the current peaks at w, tau_syn_x after the input (PyNN's definition of the weight).
//
// Integration is exact (Rotter & Diesmann 1999), like iaf_psc_exp: the system is linear between
// inputs, so one step multiplies (V - E_L, I_x, D_x) by propagators computed once from
// (params, dt). With a = 1/tau_syn - 1/tau_m, the responses of V at h to a unit I and a unit D are
//   P21 = e^(-h/tau_m) (1 - e^(-a h)) / (a C_m)               (as iaf_psc_exp)
//   P31 = e^(-h/tau_m) (1 - e^(-a h) (1 + a h)) / (a^2 C_m)   (-> h^2/(2 C_m) e^(-h/tau_m) as a -> 0)
// Threshold, reset, refractoriness and spike times as in iaf_psc_exp.
#pragma once

#include "core/error.hpp"
#include "core/kernel_attributes.hpp"
#include "models/iaf_psc_exp.hpp"
#include "sim/model_api.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numbers>

namespace sf::models {

struct iaf_psc_alpha {
    static constexpr std::string_view name = "iaf_psc_alpha";
    static constexpr std::array<std::string_view, 2> receptors{"excitatory", "inhibitory"};
    static constexpr bool conductance_based = false;

    // iaf_psc_exp's parameters (tau_syn_x: the alpha current's rise time to its peak) with
    // PyNN's IF_curr_alpha defaults (c_m from 1 nF, i_offset 0 nA).
    struct params : iaf_psc_exp::params {
        params() {
            c_m = 1000.0;
            tau_m = 20.0;
            e_l = -65.0;
            v_th = -50.0;
            v_reset = -65.0;
            t_ref = 0.1;
            tau_syn_e = 0.5;
            tau_syn_i = 0.5;
            i_e = 0.0;
        }
    };
    static constexpr auto param_table = sim::derived_param_table<params>(iaf_psc_exp::param_table);
    static void validate(const params& p) { iaf_psc_exp::validate(p); }

    struct state {
        std::vector<double> v;        // [mV] membrane potential
        std::vector<double> i_syn_e;  // [pA] excitatory synaptic current
        std::vector<double> i_syn_i;  // [pA] inhibitory synaptic current
        std::vector<double> d_e;      // [pA/ms] excitatory current's derivative term D_e
        std::vector<double> d_i;      // [pA/ms] inhibitory current's derivative term D_i
        std::vector<std::int32_t> refractory_steps;  // steps left with V clamped
        void resize(std::size_t n, const params& p) {
            v.assign(n, p.e_l);
            i_syn_e.assign(n, 0.0);
            i_syn_i.assign(n, 0.0);
            d_e.assign(n, 0.0);
            d_i.assign(n, 0.0);
            refractory_steps.assign(n, 0);
        }
        std::size_t size() const { return v.size(); }
    };
    static constexpr std::array<sim::field_desc<state>, 3> field_table{{
        {"v", "mV", &state::v},
        {"i_syn_e", "pA", &state::i_syn_e},
        {"i_syn_i", "pA", &state::i_syn_i},
    }};

    // One receptor's propagators over a step h.
    struct kernel {
        double decay = 0;     // e^(-h/tau_syn): D and the I-from-I term
        double d_to_i = 0;    // h e^(-h/tau_syn): I from D  [ms]
        double i_to_v = 0;    // P21 [mV/pA]
        double d_to_v = 0;    // P31 [mV/(pA/ms)]
        double jump = 0;      // e / tau_syn: D increment per pA of weight [1/ms]

        static kernel make(double tau_syn, double tau_m, double c_m, double h) {
            kernel k;
            k.decay = std::exp(-h / tau_syn);
            k.d_to_i = h * k.decay;
            const double a = 1.0 / tau_syn - 1.0 / tau_m;
            const double x = a * h;
            const double vm = std::exp(-h / tau_m) / c_m;
            if (std::abs(x) < 1e-6) {
                // Series of (1 - e^-x)/a and (1 - e^-x (1 + x))/a^2: exact to ~x^2 relative.
                k.i_to_v = vm * h * (1.0 - x / 2.0);
                k.d_to_v = vm * h * h * (0.5 - x / 3.0);
            } else {
                k.i_to_v = -vm * std::expm1(-x) / a;
                k.d_to_v = vm * (-std::expm1(-x) - x * std::exp(-x)) / (a * a);
            }
            k.jump = std::numbers::e / tau_syn;
            return k;
        }
    };

    struct propagators {
        double p22 = 0;  // V decay
        double p20 = 0;  // constant current -> V  [mV/pA]
        kernel exc, inh;
        double e_l = 0, v_th = 0, v_reset = 0, i_e = 0;
        std::int32_t refractory_steps = 0;
        static propagators make(const params& p, double h) {
            propagators q;
            q.p22 = std::exp(-h / p.tau_m);
            q.p20 = -p.tau_m / p.c_m * std::expm1(-h / p.tau_m);
            q.exc = kernel::make(p.tau_syn_e, p.tau_m, p.c_m, h);
            q.inh = kernel::make(p.tau_syn_i, p.tau_m, p.c_m, h);
            q.e_l = p.e_l;
            q.v_th = p.v_th;
            q.v_reset = p.v_reset;
            q.i_e = p.i_e;
            q.refractory_steps = static_cast<std::int32_t>(std::lround(p.t_ref / h));
            return q;
        }
    };

    // Advances one receptor's (I, D) by a step and adds the inputs that arrived (consumed).
    SF_HOT_KERNEL static void advance_current(double* __restrict i_syn, double* __restrict d, double* __restrict in,
                                              std::size_t begin, std::size_t end, const kernel k) {
        for (std::size_t i = begin; i < end; ++i) {
            i_syn[i] = i_syn[i] * k.decay + d[i] * k.d_to_i;
            d[i] = d[i] * k.decay + in[i - begin] * k.jump;
            in[i - begin] = 0.0;  // consumed: the engine reuses the buffer zeroed
        }
    }

    SF_HOT_KERNEL static void advance_voltage(double* __restrict v, const double* __restrict ie,
                                              const double* __restrict de, const double* __restrict ii,
                                              const double* __restrict di, std::int32_t* __restrict ref, double i_ext,
                                              std::size_t begin, std::size_t end, const propagators q) {
        const double current_term = (q.i_e + i_ext) * q.p20;
        for (std::size_t i = begin; i < end; ++i) {
            const double v_rel = (v[i] - q.e_l) * q.p22 + ie[i] * q.exc.i_to_v + de[i] * q.exc.d_to_v +
                                 ii[i] * q.inh.i_to_v + di[i] * q.inh.d_to_v + current_term;
            // Branch-free so that the loop vectorizes; a refractory neuron keeps V.
            const double free = ref[i] <= 0 ? 1.0 : 0.0;
            v[i] = free * (v_rel + q.e_l) + (1.0 - free) * v[i];
            ref[i] = std::max(ref[i] - 1, 0);
        }
    }

    static void update(const propagators& q, state& s, const sim::update_args& a, sim::spike_list& spikes) {
        // V first: it uses the currents at the start of the step.
        advance_voltage(s.v.data(), s.i_syn_e.data(), s.d_e.data(), s.i_syn_i.data(), s.d_i.data(),
                        s.refractory_steps.data(), a.i_ext, a.begin, a.end, q);
        advance_current(s.i_syn_e.data(), s.d_e.data(), a.inputs[0], a.begin, a.end, q.exc);
        advance_current(s.i_syn_i.data(), s.d_i.data(), a.inputs[1], a.begin, a.end, q.inh);
        sim::reset_crossings(s.v.data(), s.refractory_steps.data(), a.begin, a.end, q.v_th, q.v_reset,
                             q.refractory_steps, spikes);
    }
};

}  // namespace sf::models
