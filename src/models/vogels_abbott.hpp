// The Vogels-Abbott balanced network (Vogels & Abbott 2005; Brette et al. 2007 benchmarks 1
// and 2; PyNN's VAbenchmarks, the user's seed 003), as a builder over the ordinary API.
//
// n neurons, 80 % excitatory ("exc") and 20 % inhibitory ("inh"); every ordered pair connected
// with probability pconn (no autapses, no multapses); all delays 0.2 ms.
//   coba: iaf_cond_exp, weights 4 nS (exc) and 51 nS (inh), E_L = -60 mV.
//   cuba: iaf_psc_exp, weights 16.2 pA and -90 pA (0.27 nS x 60 mV and 4.5 nS x -20 mV, PyNN's
//         conversion at v_mean = -60 mV), E_L = -49 mV as in Brette et al.'s CUBA benchmark so
//         that the network is self-sustained.
// Common: C_m 200 pF, tau_m 20 ms, V_th -50 mV, V_reset -60 mV, t_ref 5 ms, tau_syn 5/10 ms,
// initial V ~ U[V_reset, V_th].
//
// Stimulus (the network needs a kick to enter its self-sustained state):
//   drive (default): every neuron receives its own Poisson train into the excitatory receptor
//         for the first drive_ms; see docs/vogels_abbott.md for why this rate and duration.
//   kick: the seed's stimulus: `kick_sources` Poisson sources at kick_rate_hz for kick_ms,
//         each connected to every neuron with probability kick_pconn and weight kick_weight.
//   none: only the random initial potentials.
#pragma once

#include "sim/network_spec.hpp"

#include <string>

namespace sf::models {

struct vogels_abbott_params {
    std::string variant = "coba";   // "coba" | "cuba"
    std::uint32_t n = 4000;         // neurons in total
    double exc_fraction = 0.8;      // share of excitatory neurons
    double pconn = 0.02;            // connection probability
    double delay_ms = 0.2;          // [ms] synaptic delay
    std::string stimulus = "drive"; // "drive" | "kick" | "none"
    double drive_rate_hz = 0;       // [Hz] per-neuron Poisson drive rate (0: variant default)
    double drive_ms = 50.0;         // [ms] duration of the drive
    std::uint32_t kick_sources = 20;
    double kick_rate_hz = 10.0;     // [Hz]
    double kick_ms = 50.0;          // [ms]
    double kick_pconn = 0.01;
    double kick_weight = 100.0;     // [nS] (coba) or [pA] (cuba); the seed's 0.1 uS
};

// Throws core::config_error naming the parameter when a value is out of range.
sim::network_spec build_vogels_abbott(const vogels_abbott_params& params);

}  // namespace sf::models
